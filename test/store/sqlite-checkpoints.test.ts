import { statSync } from 'node:fs';
import { join } from 'node:path';
import { expect, it } from 'vitest';
import { SqliteStore } from '../../src/store/sqlite/sqlite-store.js';
import { makeRecord } from '../helpers/records.js';
import { tempDir } from '../helpers/tmp.js';

const DAY = Date.UTC(2022, 7, 20);
/** SQLite's checkpoint threshold: 1,000 pages of 4 KiB. */
const THRESHOLD_BYTES = 1000 * 4096;

/** ~7 MB of records written in batches, as the event loop's writer commits them. */
async function writeRecords(store: SqliteStore): Promise<void> {
  for (let batch = 0; batch < 30; batch++) {
    await store.insertBatch(Array.from({ length: 500 }, (_, i) => makeRecord({ vdnId: 2, operTime: DAY + (batch * 500 + i) * 1000, request: JSON.stringify({ note: 'x'.repeat(300) }) })));
  }
}

it('with sealerCheckpoints the writing connection leaves the WAL to the sealer\'s, whose seals checkpoint it', async () => {
  const path = join(tempDir(), 'checkpoints.db');
  const store = SqliteStore.open(path, { sealerCheckpoints: true });
  // The sealer's thread opens the file as this does.
  const sealers = SqliteStore.open(path);
  try {
    const before = statSync(path).size;
    await writeRecords(store);
    expect(statSync(`${path}-wal`).size).toBeGreaterThan(THRESHOLD_BYTES);
    // Nothing copied into the database file by the writer's commits.
    expect(statSync(path).size).toBe(before);
    while ((await sealers.integrity.seal(sealers.integrity.sealBatch)) > 0);
    expect(statSync(path).size).toBeGreaterThan(before + THRESHOLD_BYTES);
  } finally {
    await Promise.all([store.close(), sealers.close()]);
  }
});

it('without it, the writing connection checkpoints as SQLite does by default', async () => {
  const path = join(tempDir(), 'checkpoints.db');
  const store = SqliteStore.open(path);
  try {
    const before = statSync(path).size;
    await writeRecords(store);
    expect(statSync(path).size).toBeGreaterThan(before + THRESHOLD_BYTES);
  } finally {
    await store.close();
  }
});
