import type { CallRecord } from '../contract/record.js';
import type { LogStore } from '../store/types.js';

export interface WriterOptions {
  /** Admission bound: while this many records wait, `waitForSpace` holds new work back. */
  maxQueue: number;
  /** Records written per transaction, at most. */
  maxBatch: number;
  /** A queued record waits at most this long before its batch is written. */
  flushIntervalMs: number;
  /** How long `close` keeps retrying a failing store before giving up. */
  closeTimeoutMs: number;
  onBatch?: (size: number, commitMs: number) => void;
  onError?: (error: unknown, attempt: number) => void;
}

export const DEFAULT_WRITER_OPTIONS: WriterOptions = {
  maxQueue: 50_000,
  maxBatch: 1000,
  flushIntervalMs: 50,
  closeTimeoutMs: 30_000,
};

const MAX_BACKOFF_MS = 2000;

/**
 * The batching writer: records are queued without blocking the response that produced them and
 * written in batches, one transaction each, at least every `flushIntervalMs`. A failed batch stays
 * at the head of the queue and is retried with backoff, so nothing queued is dropped. The queue
 * never refuses a record; callers keep it bounded by awaiting `waitForSpace` before admitting work.
 */
export class RecordWriter {
  private queue: CallRecord[] = [];
  private timer: NodeJS.Timeout | undefined;
  private running: Promise<void> | undefined;
  private spaceWaiters: (() => void)[] = [];
  private closing = false;
  /** Consecutive failed batches, for the backoff. */
  private failures = 0;
  written = 0;

  constructor(
    private readonly store: LogStore,
    private readonly options: WriterOptions = DEFAULT_WRITER_OPTIONS,
  ) {}

  get depth(): number {
    return this.queue.length;
  }

  get isFull(): boolean {
    return this.queue.length >= this.options.maxQueue;
  }

  enqueue(record: CallRecord): void {
    this.queue.push(record);
    if (this.queue.length >= this.options.maxBatch) this.start();
    else if (!this.timer && !this.running) this.timer = setTimeout(() => this.start(), this.options.flushIntervalMs);
  }

  /** Resolves once the queue is below its bound. */
  waitForSpace(): Promise<void> {
    if (!this.isFull) return Promise.resolve();
    return new Promise((resolve) => this.spaceWaiters.push(resolve));
  }

  /** Writes everything queued so far. */
  async flush(): Promise<void> {
    while (this.queue.length > 0 || this.running) {
      this.start();
      await this.running;
    }
  }

  /**
   * Writes every queued record, retrying a failing store for up to `closeTimeoutMs`; rejects with
   * the number of records that could not be written.
   */
  async close(): Promise<void> {
    this.closing = true;
    const deadline = Date.now() + this.options.closeTimeoutMs;
    while (this.queue.length > 0 || this.running) {
      this.start();
      await this.running;
      if (this.queue.length > 0 && Date.now() > deadline) {
        throw new Error(`${this.queue.length} records could not be written: the store kept failing`);
      }
    }
  }

  private start(): void {
    clearTimeout(this.timer);
    this.timer = undefined;
    this.running ??= this.drain().finally(() => {
      this.running = undefined;
      if (this.queue.length > 0 && !this.closing) this.start();
    });
  }

  private async drain(): Promise<void> {
    while (this.queue.length > 0) {
      const batch = this.queue.slice(0, this.options.maxBatch);
      const started = performance.now();
      try {
        await this.store.insertBatch(batch);
      } catch (error) {
        this.failures += 1;
        this.options.onError?.(error, this.failures);
        await new Promise((r) => setTimeout(r, Math.min(MAX_BACKOFF_MS, 25 * 2 ** this.failures)));
        if (this.closing) return;
        continue;
      }
      this.failures = 0;
      this.queue.splice(0, batch.length);
      this.written += batch.length;
      this.options.onBatch?.(batch.length, performance.now() - started);
      this.releaseWaiters();
    }
  }

  private releaseWaiters(): void {
    while (this.spaceWaiters.length > 0 && !this.isFull) this.spaceWaiters.shift()!();
  }
}
