import type { FastifyBaseLogger } from 'fastify';
import { DAY_MS } from '../store/buckets.js';
import type { LogStore } from '../store/types.js';

export interface UpkeepOptions {
  /** Records older than this many days are removed; 0 keeps everything. */
  retentionDays: number;
  intervalMs: number;
  log: FastifyBaseLogger;
}

/**
 * The store's background upkeep, at start and then every `intervalMs`: the coming days'
 * partitions (PostgreSQL) and retention. Runs never overlap; a failed run is logged and retried at
 * the next interval.
 */
export class Upkeep {
  private timer: NodeJS.Timeout | undefined;
  private running: Promise<void> | undefined;

  constructor(
    private readonly store: LogStore,
    private readonly options: UpkeepOptions,
  ) {}

  start(): void {
    void this.run();
    this.timer = setInterval(() => void this.run(), this.options.intervalMs);
    this.timer.unref();
  }

  /** One run now (or the one under way). */
  run(): Promise<void> {
    this.running ??= this.work().finally(() => (this.running = undefined));
    return this.running;
  }

  private async work(): Promise<void> {
    const now = Date.now();
    try {
      await this.store.maintain(now);
      if (this.options.retentionDays > 0) {
        const cutoff = now - this.options.retentionDays * DAY_MS;
        const removed = await this.store.removeBefore(cutoff);
        if (removed > 0) {
          const unit = this.store.kind === 'postgres' ? 'days' : 'records';
          this.options.log.info({ removed, unit, before: new Date(cutoff).toISOString() }, 'retention removed old records');
        }
      }
    } catch (error) {
      this.options.log.warn({ errType: (error as Error).name, errMessage: (error as Error).message }, 'store upkeep failed; retrying later');
    }
  }

  async stop(): Promise<void> {
    clearInterval(this.timer);
    await this.running;
  }
}
