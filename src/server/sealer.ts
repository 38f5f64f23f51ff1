import { setImmediate as yieldToEventLoop } from 'node:timers/promises';
import { checkpointText, signedNote } from '../integrity/checkpoint.js';
import { rootFromFrontier } from '../integrity/merkle.js';
import { nodeHashing, signMessage, type LogSigningKey } from '../integrity/node-crypto.js';
import { logOrigin } from '../integrity/seal.js';
import type { IntegrityRepository } from '../store/types.js';

export interface SealerOptions {
  /** Signs checkpoints; without one, records are still sealed into their logs. */
  key: LogSigningKey | undefined;
  /** How often new records are sealed. */
  sealIntervalMs: number;
  /** How often a log that grew gets a new signed checkpoint. */
  checkpointIntervalMs: number;
  log: SealerLog;
}

/** Where the sealer reports (a pino logger, or the sealer thread's line to the server's logger). */
export interface SealerLog {
  info(fields: object, message: string): void;
  warn(fields: object, message: string): void;
}

/** What the server holds of its sealer, in its event loop or on a thread of its own. */
export interface SealerControl {
  /** One run now (after the one under way): seal everything waiting, then sign if due or `sign`. */
  run(sign: boolean): Promise<void>;
  /** Seals and signs what is left, then stops. */
  stop(): Promise<void>;
}

/**
 * Seals new records into their VDNs' logs in the background and signs each grown log's head as a
 * checkpoint, written to the store and logged as one JSON line (the witness feed). Runs never
 * overlap; a failed run is logged and retried at the next interval. `stop` seals and signs what
 * is left, so the last records before a shutdown are covered.
 */
export class Sealer implements SealerControl {
  private timer: NodeJS.Timeout | undefined;
  private running: Promise<void> | undefined;
  private lastSigned = 0;

  constructor(
    private readonly logs: IntegrityRepository,
    private readonly options: SealerOptions,
  ) {}

  start(): void {
    this.timer = setInterval(() => void this.run(false), this.options.sealIntervalMs);
    this.timer.unref();
  }

  run(sign: boolean): Promise<void> {
    const previous = this.running ?? Promise.resolve();
    const next = previous.then(() => this.work(sign));
    this.running = next.finally(() => {
      if (this.running === next) this.running = undefined;
    });
    return next;
  }

  private async work(sign: boolean): Promise<void> {
    try {
      const batch = this.logs.sealBatch;
      while ((await this.logs.seal(batch)) === batch) await yieldToEventLoop();
      if (sign || Date.now() - this.lastSigned >= this.options.checkpointIntervalMs) await this.signHeads();
    } catch (error) {
      this.options.log.warn({ errType: (error as Error).name, errMessage: (error as Error).message }, 'sealing records failed; retrying later');
    }
  }

  /** A checkpoint for every log that grew since its last one. */
  private async signHeads(): Promise<void> {
    const { key } = this.options;
    if (!key) return;
    for (const head of await this.logs.heads()) {
      if (head.size === 0 || head.size === head.checkpointSize) continue;
      this.lastSigned = Date.now();
      const text = checkpointText({ origin: logOrigin(key.note.name, head.vdn), size: head.size, root: rootFromFrontier(nodeHashing, head.frontier) });
      const note = signedNote(text, key.note, signMessage(key, new TextEncoder().encode(text)));
      await this.logs.saveCheckpoint(head.vdn, head.size, note);
      this.options.log.info({ checkpoint: note }, 'checkpoint');
    }
  }

  async stop(): Promise<void> {
    clearInterval(this.timer);
    await this.run(true);
  }
}
