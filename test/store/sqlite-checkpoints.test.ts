import { statSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { defaultConfig } from '../../src/server/config.js';
import { SealerThread } from '../../src/server/sealer-thread.js';
import { startServer } from '../../src/server/serve.js';
import { openStore } from '../../src/store/open.js';
import type { WalCheckpoints } from '../../src/store/sqlite/wal-checkpoints.js';
import { makeRecord } from '../helpers/records.js';
import { tempDir } from '../helpers/tmp.js';

const silent = { info: () => undefined, warn: () => undefined };
const size = (file: string): number => statSync(file, { throwIfNoEntry: false })?.size ?? 0;

/** Writes enough record batches for the WAL to pass SQLite's default checkpoint (1,000 pages). */
async function writeBatches(db: string, mode: WalCheckpoints) {
  const store = await openStore(db, { walCheckpoints: mode });
  const start = Date.now();
  for (let b = 0; b < 12; b++) {
    await store.insertBatch(Array.from({ length: 1000 }, (_, i) => makeRecord({ vdnId: 2, operTime: start + b * 1000 + i })));
  }
  return store;
}

describe('SQLite WAL checkpoints of a server whose event loop writes the records', () => {
  it('record batches leave them to the sealer thread, whose seals copy the WAL and let the next batch start it over', async () => {
    // SQLite's default, for comparison: the batches themselves copy the WAL into the database file.
    const byCommits = join(tempDir(), 'commits.db');
    await (await writeBatches(byCommits, 'commits')).close();
    expect(size(byCommits)).toBeGreaterThan(1_000_000);

    const db = join(tempDir(), 'server.db');
    const store = await writeBatches(db, 'left-to-sealer');
    try {
      const fileBefore = size(db);
      const walBefore = size(`${db}-wal`);
      expect(fileBefore).toBeLessThan(1_000_000);
      expect(walBefore).toBeGreaterThan(4_000_000);

      const settings = { db, masterKey: undefined, keyFile: join(tempDir(), 'log-key.json'), sealIntervalMs: 3_600_000, checkpointIntervalMs: 3_600_000, walCheckpoints: true };
      const thread = await SealerThread.start(settings, silent);
      await thread.run(false);
      await thread.stop();
      expect(await store.integrity.unsealedCount()).toBe(0);
      expect(size(db)).toBeGreaterThan(1_000_000);
      const walSealed = size(`${db}-wal`);

      // The WAL was wholly copied and no reader holds it: the next batch writes from its start again.
      await store.insertBatch([makeRecord({ vdnId: 2, operTime: Date.now() })]);
      expect(size(`${db}-wal`)).toBe(walSealed);
      expect(await store.integrity.unsealedCount()).toBe(1);
    } finally {
      await store.close();
    }
  });

  it('is how `serve` opens the store: its batches do not checkpoint, its sealer thread does', async () => {
    const dir = tempDir();
    const db = join(dir, 'serve.db');
    // The first seal comes after the batches below (half a second here).
    const integrity = { keyFile: join(dir, 'log-key.json'), sealIntervalMs: 5000, checkpointIntervalMs: 3_600_000 };
    const server = await startServer({ ...defaultConfig(), db, port: 0, logLevel: 'silent', spillDir: join(dir, 'spill'), integrity });
    try {
      const start = Date.now();
      for (let b = 0; b < 12; b++) {
        await server.store.insertBatch(Array.from({ length: 1000 }, (_, i) => makeRecord({ vdnId: 3, operTime: start + b * 1000 + i })));
      }
      expect(await server.store.integrity.unsealedCount()).toBe(12_000);
      expect(size(db)).toBeLessThan(1_000_000);
      // The sealer thread's next run seals them and copies the WAL (closing would copy it too: the server stays up).
      await expect.poll(() => server.store.integrity.unsealedCount(), { timeout: 15_000 }).toBe(0);
      await expect.poll(() => size(db), { timeout: 5_000 }).toBeGreaterThan(1_000_000);
    } finally {
      await server.close();
    }
  });
});
