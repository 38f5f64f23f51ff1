import { join } from 'node:path';
import type { Worker } from 'node:worker_threads';
import { expect, it } from 'vitest';
import { parseJson, type JsonText } from '../../src/contract/proof.js';
import { SqliteStore } from '../../src/store/sqlite/sqlite-store.js';
import type { DbThread } from '../../src/store/sqlite/db-thread.js';
import type { ProofReadThreads } from '../../src/store/sqlite/read-threads.js';
import { makeRecord } from '../helpers/records.js';
import { tempDir } from '../helpers/tmp.js';

const DAY = Date.UTC(2022, 7, 20);

/** A store file with 3,000 sealed records of VDN 2 and 1,000 of VDN 3, opened with threads and, again, without. */
async function twoOpenings() {
  const path = join(tempDir(), 'threads.db');
  const threaded = SqliteStore.open(path, { writeThread: true, readThreads: true });
  const records = Array.from({ length: 4000 }, (_, i) => makeRecord({ vdnId: i % 4 === 3 ? 3 : 2, operTime: DAY + i * 1000, ak: `ak-${i % 7}`, durationMs: i % 5 ? i / 8 : null }));
  for (let i = 0; i < records.length; i += 500) await threaded.insertBatch(records.slice(i, i + 500));
  while ((await threaded.integrity.seal(1000)) > 0);
  return { threaded, inline: SqliteStore.open(path) };
}

it('reads a proof\'s columns on the read threads exactly as on the connection, many at once', async () => {
  const { threaded, inline } = await twoOpenings();
  try {
    const reads = [
      (s: SqliteStore) => s.integrity.leafColumns(2, 0, 3000),
      (s: SqliteStore) => s.integrity.leafColumns(2, 1234, 1300),
      (s: SqliteStore) => s.integrity.leafColumns(3, 10, 10),
      (s: SqliteStore) => s.integrity.proofLeaves(2, 0, 2700),
      (s: SqliteStore) => s.integrity.proofLeaves(3, 257, 600),
    ];
    const expected = await Promise.all(reads.map((read) => read(inline)));
    expect(parseJson((expected[0] as { ids: JsonText }).ids)).toHaveLength(3000);
    expect((expected[0] as { digests: Uint8Array }).digests).toHaveLength(32 * 3000);
    // Eight rounds in flight together: each answer is its own request's.
    const rounds = await Promise.all(Array.from({ length: 8 }, () => Promise.all(reads.map((read) => read(threaded)))));
    for (const round of rounds) expect(round).toEqual(expected);
  } finally {
    await Promise.all([threaded.close(), inline.close()]);
  }
});

it('fails only the reads a dying read thread had, and the next read starts another', async () => {
  const { threaded, inline } = await twoOpenings();
  try {
    const threads = (threaded.integrity as unknown as { reads: ProofReadThreads }).reads as unknown as { threads: DbThread<unknown, unknown>[] };
    const before = await threaded.integrity.leafColumns(2, 0, 3000);
    const workers = () => threads.threads.map((thread) => (thread as unknown as { worker: Worker | undefined }).worker).filter((w) => w !== undefined);
    const dying = workers();
    expect(dying.length).toBeGreaterThan(0);
    // Enough reads in flight that some are still queued when the threads end (one alone could finish first).
    const inFlight = Array.from({ length: 20 }, () => threaded.integrity.leafColumns(2, 0, 3000));
    // As a crash would end them (out of memory, a fault in native code).
    await Promise.all(dying.map((worker) => worker.terminate()));
    const outcomes = await Promise.allSettled(inFlight);
    // A read a thread finished before it ended is answered; the others fail with the reason.
    for (const outcome of outcomes) {
      if (outcome.status === 'fulfilled') expect(outcome.value).toEqual(before);
      else expect(String(outcome.reason)).toMatch(/proof read thread stopped/);
    }
    expect(outcomes.some((outcome) => outcome.status === 'rejected')).toBe(true);
    expect(await threaded.integrity.leafColumns(2, 0, 3000)).toEqual(before);
    expect(workers().some((w) => dying.includes(w))).toBe(false);
    // The record write thread, on the same machinery, is replaced the same way.
    const writes = (threaded as unknown as { writes: { worker: Worker } }).writes;
    await writes.worker.terminate();
    await threaded.insertBatch([makeRecord({ vdnId: 2, operTime: DAY + 5_000_000 })]);
    expect(await inline.integrity.unsealedCount()).toBe(1);
  } finally {
    await Promise.all([threaded.close(), inline.close()]);
  }
});
