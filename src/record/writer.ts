import type { CallRecord } from '../contract/record.js';
import type { LogStore } from '../store/types.js';
import type { SpillFile } from './spill.js';

export interface WriterOptions {
  /** Admission bound: while this many records wait, `waitForSpace` holds new work back. */
  maxQueue: number;
  /** Records written per transaction, at most. */
  maxBatch: number;
  /** A queued record waits at most this long before its batch is written. */
  flushIntervalMs: number;
  /** How long `close` keeps retrying a failing store before giving up. */
  closeTimeoutMs: number;
  /**
   * Where queued records go while the store fails: once `spillAt` records wait (and at shutdown),
   * the queue moves to this file, so memory stays bounded and requests are not held back. Without
   * it, a full queue holds new requests back until the store answers.
   */
  spill?: SpillFile;
  spillAt?: number;
  onBatch?: (size: number, commitMs: number) => void;
  onError?: (error: unknown, attempt: number) => void;
  onSpill?: (event: 'spilled' | 'replayed', records: number) => void;
}

export const DEFAULT_WRITER_OPTIONS: WriterOptions = {
  maxQueue: 50_000,
  maxBatch: 1000,
  flushIntervalMs: 50,
  closeTimeoutMs: 30_000,
};

const MAX_BACKOFF_MS = 2000;
const SPILL_CHECK_MS = 10;

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
  /** Spill files wait to be replayed into the store. */
  private replayPending = false;
  /** Callers of `enqueueDurable` waiting for their record to be committed (or spilled, fsynced). */
  private durableWaiters = new Map<CallRecord, () => void>();

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

  /** The last write reached the store. */
  get healthy(): boolean {
    return this.failures === 0;
  }

  /** Takes up spill files left by earlier runs (replayed as soon as the store answers). */
  async resumeSpilled(): Promise<void> {
    const spill = this.options.spill;
    if (!spill) return;
    await spill.recoverOrphans();
    if ((await spill.pending()).length > 0) {
      this.replayPending = true;
      this.start();
    }
  }

  enqueue(record: CallRecord): void {
    this.queue.push(record);
    if (this.queue.length >= this.options.maxBatch) this.start();
    else if (!this.timer && !this.running) this.timer = setTimeout(() => this.start(), this.options.flushIntervalMs);
  }

  /**
   * Queues a record and resolves once the batch holding it has committed (or, while the store is
   * down, once it is in the fsynced spill file). A batch starts at once rather than after the flush
   * interval, and records arriving while it commits form the next batch: group commit.
   */
  enqueueDurable(record: CallRecord): Promise<void> {
    const committed = new Promise<void>((resolve) => this.durableWaiters.set(record, resolve));
    this.queue.push(record);
    this.start();
    return committed;
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
   * Writes every queued record, retrying a failing store for up to `closeTimeoutMs` (with a spill
   * file, records the store refuses go there at once); rejects with the number of records that
   * could be neither written nor spilled.
   */
  async close(): Promise<void> {
    this.closing = true;
    const deadline = Date.now() + this.options.closeTimeoutMs;
    while (this.queue.length > 0 || this.replayPending || this.running) {
      this.start();
      await this.running;
      // The store is down and everything went to the spill file: the next start replays it.
      if (this.queue.length === 0 && !this.healthy) return;
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
    while (this.queue.length > 0 || this.replayPending) {
      // At shutdown one attempt is still made; only a failure of that attempt ends the loop.
      const attemptedWhileClosing = this.closing;
      try {
        if (this.replayPending) await this.replay();
        else await this.writeBatch();
        this.failures = 0;
      } catch (error) {
        this.failures += 1;
        this.options.onError?.(error, this.failures);
        await this.backOff();
        if (attemptedWhileClosing) return;
      }
    }
  }

  /**
   * Waits before the next attempt. While it waits, a queue that reaches `spillAt` (or any queue
   * at shutdown) goes to the spill file: only this loop touches the queue's head, so no batch
   * in flight can be spilled twice.
   */
  private async backOff(): Promise<void> {
    const spillAt = this.options.spillAt ?? Math.floor(this.options.maxQueue / 2);
    const until = Date.now() + Math.min(MAX_BACKOFF_MS, 25 * 2 ** this.failures);
    for (;;) {
      const spillNow = this.closing || this.queue.length >= spillAt || this.durableWaiters.size > 0;
      if (this.options.spill && this.queue.length > 0 && spillNow) await this.spillQueue();
      const left = until - Date.now();
      if (left <= 0 || this.closing) return;
      await new Promise((r) => setTimeout(r, Math.min(SPILL_CHECK_MS, left)));
    }
  }

  private async writeBatch(): Promise<void> {
    const batch = this.queue.slice(0, this.options.maxBatch);
    const started = performance.now();
    await this.store.insertBatch(batch);
    this.queue.splice(0, batch.length);
    this.options.onBatch?.(batch.length, performance.now() - started);
    this.settleDurable(batch);
    this.releaseWaiters();
  }

  private async replay(): Promise<void> {
    const replayed = await this.options.spill!.replay((batch) => this.store.insertBatch(batch), this.options.maxBatch);
    this.replayPending = false;
    this.options.onSpill?.('replayed', replayed);
  }

  private async spillQueue(): Promise<void> {
    const records = this.queue.splice(0);
    try {
      await this.options.spill!.append(records);
    } catch (error) {
      this.queue.unshift(...records);
      this.options.onError?.(error, this.failures);
      return;
    }
    this.replayPending = true;
    this.options.onSpill?.('spilled', records.length);
    this.settleDurable(records);
    this.releaseWaiters();
  }

  private settleDurable(records: CallRecord[]): void {
    if (this.durableWaiters.size === 0) return;
    for (const record of records) {
      const resolve = this.durableWaiters.get(record);
      if (resolve) {
        this.durableWaiters.delete(record);
        resolve();
      }
    }
  }

  private releaseWaiters(): void {
    while (this.spaceWaiters.length > 0 && !this.isFull) this.spaceWaiters.shift()!();
  }
}
