import { DbThread, sqliteWorkerUrl } from './db-thread.js';
import type { ProofColumns, ProofColumnsRead } from './proof-columns.js';

/**
 * Threads that read a proof's long columns, each on a read-only connection of its own: a week's
 * leaves and the records' extra fields are read side by side, and the event loop stays free for
 * other calls meanwhile (on it, the two held it ~40 ms).
 */
export class ProofReadThreads {
  private readonly threads: DbThread<ProofColumnsRead, ProofColumns<ProofColumnsRead>>[];

  constructor(path: string, count = 2) {
    this.threads = Array.from({ length: count }, () => new DbThread('proof read', sqliteWorkerUrl('read-worker.js'), { path }));
  }

  run<R extends ProofColumnsRead>(request: R): Promise<ProofColumns<R>> {
    const idlest = this.threads.reduce((a, b) => (b.busy < a.busy ? b : a));
    return idlest.run(request) as Promise<ProofColumns<R>>;
  }

  async close(): Promise<void> {
    await Promise.all(this.threads.map((thread) => thread.close()));
  }
}
