import { setTimeout as sleep } from 'node:timers/promises';
import type { LogStore } from '../../src/store/types.js';

/**
 * Seals (`sealOnce`: a seal, or a sealer's run) until no record waits, for 20 s at most. On
 * PostgreSQL a seal takes only the transactions older than every one still running in the whole
 * cluster, so a transaction another test file holds open (sealing.test.ts does on purpose) holds
 * sealing back until it ends. (A loop, not expect.poll: it also serves beforeAll.)
 */
export async function sealEverything(store: Pick<LogStore, 'integrity'>, sealOnce: () => Promise<unknown> = () => store.integrity.seal(10_000)): Promise<void> {
  const deadline = Date.now() + 20_000;
  for (;;) {
    await sealOnce();
    const waiting = await store.integrity.unsealedCount();
    if (waiting === 0) return;
    if (Date.now() > deadline) throw new Error(`${waiting} records still unsealed after 20 s`);
    await sleep(50);
  }
}
