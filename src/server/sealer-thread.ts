import { once } from 'node:events';
import { Worker } from 'node:worker_threads';
import type { SealerControl, SealerLog } from './sealer.js';
import type { SealerReply, SealerRequest, SealerSettings } from './sealer-worker.js';

// Under the test runner this module is TypeScript source, which a worker cannot load: it runs
// the built worker instead (`npm test` builds first).
const WORKER_URL = import.meta.url.endsWith('.ts')
  ? new URL('../../dist/server/sealer-worker.js', import.meta.url)
  : new URL('./sealer-worker.js', import.meta.url);

/**
 * The sealer on a thread of its own: hashing every record and signing checkpoints costs the event
 * loop that answers calls nothing. A thread that dies is replaced after one seal interval, and
 * again until one starts (what it had not sealed is sealed by the next one: the store keeps the
 * sealed position).
 */
export class SealerThread implements SealerControl {
  private worker!: Worker;
  private readonly runs = new Map<number, () => void>();
  private nextRun = 0;
  private stopping = false;
  private running = false;
  /** Once a thread has started, every one that stops is replaced (until the stop), however often. */
  private started = false;

  private constructor(
    private readonly settings: SealerSettings,
    private readonly log: SealerLog,
  ) {}

  /** Resolves once the thread holds its store and key; rejects with the reason it could not. */
  static async start(settings: SealerSettings, log: SealerLog): Promise<SealerThread> {
    const thread = new SealerThread(settings, log);
    await thread.spawn();
    return thread;
  }

  run(sign: boolean): Promise<void> {
    // Between a dead thread and its replacement there is nothing to run: the next one seals it all.
    if (this.stopping || !this.running) return Promise.resolve();
    const id = this.nextRun++;
    return new Promise((resolve) => {
      this.runs.set(id, resolve);
      this.worker.postMessage({ kind: 'run', id, sign } satisfies SealerRequest);
    });
  }

  async stop(): Promise<void> {
    this.stopping = true;
    const worker = this.worker;
    if (!this.running) return; // exited, and not replaced yet
    const exited = once(worker, 'exit');
    worker.postMessage({ kind: 'stop' } satisfies SealerRequest);
    await exited;
  }

  private spawn(): Promise<void> {
    const worker = new Worker(WORKER_URL, { workerData: this.settings });
    this.worker = worker;
    this.running = true;
    return new Promise((resolve, reject) => {
      worker.on('message', (reply: SealerReply) => {
        if (reply.kind === 'ready') {
          this.started = true;
          resolve();
        } else if (reply.kind === 'failed') reject(new Error(reply.message));
        else if (reply.kind === 'log') this.log[reply.level](reply.fields, reply.message);
        else {
          this.runs.get(reply.id)?.();
          this.runs.delete(reply.id);
        }
      });
      worker.on('error', (error) => this.log.warn({ errType: error.name, errMessage: error.message }, 'the sealer thread failed'));
      worker.on('exit', () => {
        this.running = false;
        reject(new Error('the sealer thread stopped while starting'));
        // A run cut short is over: its records are sealed by the next thread's first run.
        for (const done of this.runs.values()) done();
        this.runs.clear();
        if (this.stopping || !this.started) return;
        this.log.warn({}, 'the sealer thread stopped; another starts in one seal interval');
        // One that cannot start (the store unreachable, say) stops too, and is replaced in turn.
        setTimeout(() => {
          if (!this.stopping) this.spawn().catch((error: Error) => this.log.warn({ errMessage: error.message }, 'the sealer thread could not start'));
        }, this.settings.sealIntervalMs).unref();
      });
    });
  }
}
