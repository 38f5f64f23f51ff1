import Database from 'better-sqlite3';
import { join } from 'node:path';
import { expect, it } from 'vitest';
import { CalllogsError } from '../../src/contract/codes.js';
import { SqliteStore } from '../../src/store/sqlite/sqlite-store.js';
import { makeRecord } from '../helpers/records.js';
import { tempDir } from '../helpers/tmp.js';

/** What `start` came to, and the longest the event loop went without running a timer meanwhile (one ticks every 5 ms). */
async function withLongestStall<T>(start: () => Promise<T>): Promise<{ outcome: PromiseSettledResult<T>; stall: number }> {
  let last = performance.now();
  let longest = 0;
  const ticker = setInterval(() => {
    const now = performance.now();
    longest = Math.max(longest, now - last);
    last = now;
  }, 5);
  try {
    // Started after the ticker: a write that blocked the thread shows as the gap before its first tick.
    const [outcome] = await Promise.allSettled([start()]);
    return { outcome: outcome!, stall: Math.max(longest, performance.now() - last) };
  } finally {
    clearInterval(ticker);
  }
}

/**
 * A store file and a second connection to it (another writer: the sealer's thread, an import);
 * both closed after `test`.
 */
async function withOtherWriter(busyTimeoutMs: number, test: (store: SqliteStore, other: Database.Database) => Promise<void>): Promise<void> {
  const path = join(tempDir(), 'lock.db');
  const store = SqliteStore.open(path, { busyTimeoutMs });
  const other = new Database(path);
  try {
    await test(store, other);
  } finally {
    if (other.inTransaction) other.exec('ROLLBACK');
    other.close();
    await store.close();
  }
}

const recordCount = (db: Database.Database): number => db.prepare('SELECT count(*) FROM records').pluck().get() as number;

it('a record batch waits for another connection\'s write lock on timers, the event loop serving meanwhile', () =>
  withOtherWriter(5000, async (store, other) => {
    other.exec('BEGIN IMMEDIATE');
    // Released by a timer of this same event loop: a batch that slept in SQLite's busy handler would
    // hold the loop until its timeout, and the release with it.
    setTimeout(() => other.exec('COMMIT'), 300);
    const started = performance.now();
    const { outcome, stall } = await withLongestStall(() => store.insertBatch([makeRecord({ vdnId: 2 }), makeRecord({ vdnId: 3 })]));
    expect(outcome.status).toBe('fulfilled');
    expect(performance.now() - started).toBeGreaterThanOrEqual(290);
    expect(performance.now() - started).toBeLessThan(2000);
    expect(stall).toBeLessThan(100);
    expect(recordCount(other)).toBe(2);
  }));

it('a batch still blocked after the busy timeout fails with 503 and writes nothing', () =>
  withOtherWriter(200, async (store, other) => {
    other.exec('BEGIN IMMEDIATE');
    const { outcome, stall } = await withLongestStall(() => store.insertBatch([makeRecord({ vdnId: 2 })]));
    const error = outcome.status === 'rejected' ? (outcome.reason as unknown) : undefined;
    expect(error).toBeInstanceOf(CalllogsError);
    expect((error as CalllogsError).status).toBe(503);
    expect(stall).toBeLessThan(100);
    other.exec('COMMIT');
    expect(recordCount(other)).toBe(0);
    // Nothing of the failed try is left behind: the next batch goes in.
    await store.insertBatch([makeRecord({ vdnId: 2 })]);
    expect(recordCount(other)).toBe(1);
  }));

it('retention waits for another connection\'s write lock the same way', () =>
  withOtherWriter(5000, async (store, other) => {
    const day = Date.UTC(2022, 7, 20);
    await store.insertBatch([makeRecord({ vdnId: 2, operTime: day }), makeRecord({ vdnId: 2, operTime: day + 86_400_000 })]);
    other.exec('BEGIN IMMEDIATE');
    setTimeout(() => other.exec('COMMIT'), 300);
    const { outcome, stall } = await withLongestStall(() => store.removeBefore(day + 3_600_000));
    expect(outcome).toEqual({ status: 'fulfilled', value: 1 });
    expect(stall).toBeLessThan(100);
    expect(recordCount(other)).toBe(1);
  }));
