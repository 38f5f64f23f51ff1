import { Worker } from 'node:worker_threads';
import { CalllogsError } from '../../contract/codes.js';
import type { CallRecord } from '../../contract/record.js';
import type { WriteReply, WriteRequest } from './write-worker.js';

// Under the test runner this module is TypeScript source, which a worker cannot load: it runs
// the built worker instead (`npm test` builds first).
const WORKER_URL = import.meta.url.endsWith('.ts')
  ? new URL('../../../dist/store/sqlite/write-worker.js', import.meta.url)
  : new URL('./write-worker.js', import.meta.url);

interface Pending {
  resolve: () => void;
  reject: (error: Error) => void;
}

/**
 * Record batches written on a thread of their own, so that SQLite's inserts — and, in durable
 * mode, its fsyncs — never hold up the event loop that answers requests. A thread that dies
 * fails the batches in flight (the writer retries them) and is replaced on the next batch.
 */
export class WriteThread {
  private worker: Worker | undefined;
  private readonly pending = new Map<number, Pending>();
  private nextId = 0;

  constructor(private readonly options: { path: string; durable: boolean }) {}

  insertBatch(records: CallRecord[]): Promise<void> {
    const worker = (this.worker ??= this.spawn());
    const id = this.nextId++;
    return new Promise<void>((resolve, reject) => {
      this.pending.set(id, { resolve, reject });
      worker.postMessage({ id, records } satisfies WriteRequest);
    });
  }

  async close(): Promise<void> {
    const worker = this.worker;
    if (!worker) return;
    const exited = new Promise((r) => worker.once('exit', r));
    worker.postMessage('close');
    await exited;
  }

  private spawn(): Worker {
    const worker = new Worker(WORKER_URL, { workerData: this.options });
    worker.on('message', (reply: WriteReply) => {
      const waiting = this.pending.get(reply.id);
      this.pending.delete(reply.id);
      if (!waiting) return;
      if (!reply.error) return waiting.resolve();
      const unavailable = reply.error.name === 'CalllogsError';
      const error = unavailable
        ? new CalllogsError('UNAVAILABLE', reply.error.message, 1)
        : Object.assign(new Error(reply.error.message), { name: reply.error.name, code: reply.error.code });
      waiting.reject(error);
    });
    const failAll = (reason: string) => {
      if (this.worker === worker) this.worker = undefined;
      for (const waiting of this.pending.values()) waiting.reject(new Error(`record write thread ${reason}`));
      this.pending.clear();
    };
    worker.on('error', (error) => failAll(`failed: ${error.message}`));
    worker.on('exit', () => failAll('stopped'));
    return worker;
  }
}
