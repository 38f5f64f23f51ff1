import { parentPort, Worker } from 'node:worker_threads';
import { CalllogsError } from '../../contract/codes.js';

/** A failure as a thread reports it (an Error does not cross threads whole). */
interface ThreadError {
  name: string;
  message: string;
  code?: string;
}

type Reply<Result> = { id: number; result: Result; error?: undefined } | { id: number; error: ThreadError };

interface Pending<Result> {
  resolve: (result: Result) => void;
  reject: (error: Error) => void;
}

/**
 * A worker module of this folder. Under the test runner this module is TypeScript source, which a
 * worker cannot load: it runs the built worker instead (`npm test` builds first).
 */
export function sqliteWorkerUrl(file: string): URL {
  return import.meta.url.endsWith('.ts') ? new URL(`../../../dist/store/sqlite/${file}`, import.meta.url) : new URL(`./${file}`, import.meta.url);
}

/**
 * A thread with a SQLite connection of its own, doing one request per message, so that the work
 * never holds up the event loop that answers calls. A thread that dies fails the requests in
 * flight and is replaced on the next request. A store that cannot be reached stays a 503.
 */
export class DbThread<Request, Result> {
  private worker: Worker | undefined;
  private readonly pending = new Map<number, Pending<Result>>();
  private nextId = 0;

  constructor(
    private readonly name: string,
    private readonly url: URL,
    private readonly workerData: unknown,
  ) {}

  /** Requests sent and not answered yet. */
  get busy(): number {
    return this.pending.size;
  }

  run(request: Request): Promise<Result> {
    const worker = (this.worker ??= this.spawn());
    const id = this.nextId++;
    return new Promise<Result>((resolve, reject) => {
      this.pending.set(id, { resolve, reject });
      worker.postMessage({ id, request });
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
    const worker = new Worker(this.url, { workerData: this.workerData });
    worker.on('message', (reply: Reply<Result>) => {
      const waiting = this.pending.get(reply.id);
      this.pending.delete(reply.id);
      if (!waiting) return;
      if (!reply.error) return waiting.resolve(reply.result);
      const unavailable = reply.error.name === 'CalllogsError';
      waiting.reject(unavailable
        ? new CalllogsError('UNAVAILABLE', reply.error.message, 1)
        : Object.assign(new Error(reply.error.message), { name: reply.error.name, code: reply.error.code }));
    });
    const failAll = (reason: string) => {
      if (this.worker === worker) this.worker = undefined;
      for (const waiting of this.pending.values()) waiting.reject(new Error(`${this.name} thread ${reason}`));
      this.pending.clear();
    };
    worker.on('error', (error) => failAll(`failed: ${error.message}`));
    worker.on('exit', () => failAll('stopped'));
    return worker;
  }
}

/** In the thread: answers each request with `handle`; on 'close', runs `close` and ends. */
export function answerRequests<Request, Result>(handle: (request: Request) => Promise<Result>, close: () => Promise<void>): void {
  const port = parentPort!;
  port.on('message', (message: { id: number; request: Request } | 'close') => {
    if (message === 'close') {
      void close().then(() => port.close());
      return;
    }
    handle(message.request).then(
      (result) => port.postMessage({ id: message.id, result } satisfies Reply<Result>),
      (error: Error & { code?: string }) =>
        port.postMessage({ id: message.id, error: { name: error.name, message: error.message, code: error.code } } satisfies Reply<Result>),
    );
  });
}
