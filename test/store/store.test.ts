import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import type { CallRecord } from '../../src/contract/record.js';
import { PostgresStore } from '../../src/store/postgres/postgres-store.js';
import { SqliteStore } from '../../src/store/sqlite/sqlite-store.js';
import { createTestDatabase, onDatabase, postgresAvailable } from '../helpers/pg.js';
import { ImportRowError, type LogStore } from '../../src/store/types.js';
import { prefixUpperBound } from '../../src/store/url-filter.js';
import { makeRecord } from '../helpers/records.js';
import { tempDir } from '../helpers/tmp.js';

const T0 = Date.UTC(2022, 7, 20);
const URLS = ['/rest/isales/v1/openapi/campaigns/2', '/rest/isales/v1/openapi/campaigns/2/7/resume', '/rest/isales/v1/openapi/campaigns/2/calllogs',
  '/rest/isales/v1/openapi/obs/business/tasks', '/rest/isales/v1/openapi/数据'];

/** Reference answer: the naive filter and sort over everything stored. */
function naive(all: CallRecord[], q: { vdnId: number; fromMs: number; toMs: number; url?: { kind: 'exact' | 'prefix'; value: string } }) {
  return all
    .filter((r) => r.vdnId === q.vdnId && r.operTime >= q.fromMs && r.operTime < q.toMs)
    .filter((r) => !q.url || (q.url.kind === 'exact' ? r.url === q.url.value : r.url.startsWith(q.url.value)))
    .sort((a, b) => b.operTime - a.operTime || (a.id < b.id ? 1 : -1));
}

const withPostgres = await postgresAvailable();

/** Each store under the same tests: `open` opens (or reopens) the same store. */
const STORES: { name: string; skip: boolean; setup: () => Promise<() => Promise<LogStore>> }[] = [
  { name: 'sqlite', skip: false, setup: async () => { const path = join(tempDir(), 'store.db'); return async () => SqliteStore.open(path); } },
  { name: 'postgres', skip: !withPostgres, setup: async () => { const url = await createTestDatabase(); return () => PostgresStore.open(url); } },
];

for (const { name, skip, setup } of STORES) describe.skipIf(skip)(`${name} store`, () => {
  let open: () => Promise<LogStore>;
  let store: LogStore;
  const all: CallRecord[] = [];

  beforeAll(async () => {
    open = await setup();
    store = await open();
    // 600 records over 3 VDNs; many share a millisecond so the id order matters.
    for (let i = 0; i < 600; i++) {
      all.push(makeRecord({ operTime: T0 + Math.floor(i / 3) * 1000 + (i % 2), vdnId: [2, 3, null][i % 3]!, url: URLS[i % URLS.length]! }));
    }
    await store.insertBatch(all.slice(0, 300));
    await store.insertBatch(all.slice(300));
  });

  it('pages through a window newest first, every record exactly once', async () => {
    const window = { vdnId: 2, fromMs: T0, toMs: T0 + 3600_000, url: undefined };
    const expected = naive(all, window).map((r) => r.id);
    const seen: string[] = [];
    for (let offset = 0; ; offset += 7) {
      const page = await store.query({ ...window, offset, limit: 7 });
      expect(page.count).toBe(expected.length);
      if (page.records.length === 0) break;
      seen.push(...page.records.map((r) => r.id));
    }
    expect(seen).toEqual(expected);
    expect(new Set(seen).size).toBe(200);
  });

  it('answers a page past the end with no records and the real count', async () => {
    const page = await store.query({ vdnId: 2, fromMs: T0, toMs: T0 + 3600_000, url: undefined, offset: 10_000, limit: 10 });
    expect(page).toEqual({ count: 200, records: [] });
  });

  it('filters on the window edges exactly', async () => {
    const q = { vdnId: 3, fromMs: T0 + 10_000, toMs: T0 + 20_000, url: undefined };
    const page = await store.query({ ...q, offset: 0, limit: 100 });
    expect(page.records.map((r) => r.id)).toEqual(naive(all, q).map((r) => r.id));
    expect(page.records.every((r) => r.operTime >= q.fromMs && r.operTime < q.toMs)).toBe(true);
  });

  it('matches url exactly, or by prefix with a trailing *', async () => {
    const base = { vdnId: 2, fromMs: T0, toMs: T0 + 3600_000, offset: 0, limit: 100 };
    for (const url of [
      { kind: 'exact' as const, value: URLS[1]! },
      { kind: 'exact' as const, value: '/rest/isales/v1/openapi/campaigns' },
      { kind: 'prefix' as const, value: '/rest/isales/v1/openapi/campaigns/2' },
      { kind: 'prefix' as const, value: '/rest/isales/v1/openapi/campaigns/2/' },
      { kind: 'prefix' as const, value: '/rest/isales/v1/openapi/数' },
      { kind: 'prefix' as const, value: '' },
    ]) {
      const page = await store.query({ ...base, url });
      const expected = naive(all, { ...base, url });
      expect(page.count, JSON.stringify(url)).toBe(expected.length);
      expect(page.records.map((r) => r.id)).toEqual(expected.slice(0, 100).map((r) => r.id));
    }
  });

  it('keeps every field of a record', async () => {
    const page = await store.query({ vdnId: 2, fromMs: all[0]!.operTime, toMs: all[0]!.operTime + 1, url: undefined, offset: 0, limit: 1 });
    expect(page.records[0]).toEqual(all[0]);
  });

  it('finds a record by its VDN, receive time and id, and nothing when any of them differs', async () => {
    const r = all[0]!;
    expect(await store.findRecord(2, { id: r.id, operTimeMs: r.operTime })).toEqual(r);
    expect(await store.findRecord(3, { id: r.id, operTimeMs: r.operTime })).toBeUndefined();
    expect(await store.findRecord(2, { id: r.id, operTimeMs: r.operTime + 1 })).toBeUndefined();
    expect(await store.findRecord(2, { id: all[3]!.id, operTimeMs: r.operTime })).toBeUndefined();
  });

  it('scans records of one VDN, of no VDN, or all of them, oldest first', async () => {
    const ids = async (filter: Parameters<LogStore['scan']>[0]) => {
      const out: CallRecord[] = [];
      for await (const r of store.scan(filter)) out.push(r);
      return out;
    };
    const none = await ids({ vdnId: null });
    expect(none).toHaveLength(200);
    expect(none.every((r) => r.vdnId === null)).toBe(true);
    const everything = await ids({});
    expect(everything).toHaveLength(600);
    const windowed = await ids({ vdnId: 3, fromMs: T0 + 10_000, toMs: T0 + 20_000 });
    expect(windowed.map((r) => r.id)).toEqual(naive(all, { vdnId: 3, fromMs: T0 + 10_000, toMs: T0 + 20_000 }).reverse().map((r) => r.id));
  });

  it('scans page after page (1,000 a page) where a page ends inside a millisecond: every record once, in (time, id) order', async () => {
    // 700 records share each millisecond: the page boundaries fall inside those ties.
    const many = Array.from({ length: 2500 }, (_, i) => makeRecord({ vdnId: 7, operTime: T0 + 50_000 + Math.floor(i / 700) }));
    const own = await (await setup())();
    try {
      await own.insertBatch(many);
      const byKey = (a: CallRecord, b: CallRecord) => a.operTime - b.operTime || (a.id < b.id ? -1 : 1);
      for (const fromMs of [undefined, T0 + 50_001]) {
        const out: string[] = [];
        for await (const r of own.scan({ vdnId: 7, fromMs })) out.push(r.id);
        expect(out).toEqual(many.filter((r) => r.operTime >= (fromMs ?? 0)).sort(byKey).map((r) => r.id));
      }
    } finally {
      await own.close();
    }
  });

  it('imports all or nothing', async () => {
    const before = await store.countRecords();
    const session = await store.beginImport();
    await session.add([makeRecord({ operTime: T0 + 5 }), makeRecord({ operTime: T0 + 6 })]);
    // Importing a record again (same id and receive time) is refused.
    const duplicate = { ...all[0]! };
    // The store may write behind: the error comes from add or from commit, naming the record's ordinal.
    const err = await session.add([makeRecord(), duplicate]).then(() => session.commit()).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ImportRowError);
    expect((err as ImportRowError).ordinal).toBe(3);
    expect((err as ImportRowError).message).toBe(`id: ${duplicate.id} is already stored`);
    await session.rollback();
    expect(await store.countRecords()).toBe(before);
    const ok = await store.beginImport();
    await ok.add([makeRecord({ operTime: T0 + 7 })]);
    await ok.commit();
    expect(await store.countRecords()).toBe(before + 1);
  });

  it('writes a batch once even when it is written again', async () => {
    const before = await store.countRecords();
    const batch = [makeRecord({ operTime: T0 + 900_000 }), makeRecord({ operTime: T0 + 900_001 })];
    await store.insertBatch(batch);
    await store.insertBatch(batch);
    expect(await store.countRecords()).toBe(before + 2);
  });

  it('removes records older than a cutoff and keeps the rest', async () => {
    const old = [makeRecord({ operTime: Date.UTC(2021, 0, 1, 5) }), makeRecord({ operTime: Date.UTC(2021, 0, 2, 23) }), makeRecord({ operTime: Date.UTC(2021, 0, 2, 23), vdnId: null })];
    await store.insertBatch(old);
    const before = await store.countRecords();
    const removed = await store.removeBefore(Date.UTC(2021, 0, 3));
    expect(removed).toBeGreaterThan(0);
    expect(await store.countRecords()).toBe(before - 3);
    expect(await store.removeBefore(Date.UTC(2021, 0, 3))).toBe(0);
  });

  it('answers stats over 200,000 calls of one hour under a filter (more durations than one call can spread)', async () => {
    const hour = Date.UTC(2022, 8, 1, 10);
    const session = await store.beginImport();
    for (let i = 0; i < 200_000; i += 10_000) {
      await session.add(Array.from({ length: 10_000 }, (_, j) => makeRecord({ operTime: hour + i + j, vdnId: 9, ak: 'ak-busy', durationMs: ((i + j) % 1000) + 1 })));
    }
    await session.commit();
    const stats = await store.stats({ vdnId: 9, fromMs: hour, toMs: hour + 3_600_000, url: undefined, bucketMs: 300_000, filters: { ak: ['ak-busy'] } });
    const first = stats.buckets[0]!;
    // The first five minutes hold all 200,000 calls: durations 1…1000 ms, 200 of each.
    expect([first.calls, first.p50Ms, first.p99Ms]).toEqual([200_000, 500, 990]);
    expect(stats.aks).toEqual([{ ak: 'ak-busy', calls: 200_000, failures: 0 }]);
  });

  it('keeps data across a reopen', async () => {
    const count = await store.countRecords();
    await store.close();
    store = await open();
    expect(await store.countRecords()).toBe(count);
    await store.close();
  });
});

describe.skipIf(!withPostgres)('postgres layout', () => {
  it('partitions by day, creating days ahead and on demand, and retention drops whole days', async () => {
    const url = await createTestDatabase();
    const [first, second] = await Promise.all([PostgresStore.open(url), PostgresStore.open(url)]); // concurrent migrations
    const partitions = () => onDatabase(url, async (c) => (await c.query<{ relname: string }>(
      "SELECT c.relname FROM pg_inherits i JOIN pg_class c ON c.oid = i.inhrelid JOIN pg_class p ON p.oid = i.inhparent WHERE p.relname = 'records' ORDER BY 1",
    )).rows.map((r) => r.relname));
    const today = new Date().toISOString().slice(0, 10).replace(/-/g, '');
    expect(await partitions()).toContain(`records_p${today}`);
    expect((await partitions()).length).toBe(3);
    await first.insertBatch([makeRecord({ operTime: Date.UTC(2020, 1, 29, 12) })]);
    expect(await partitions()).toContain('records_p20200229');
    const files = readdirSync(new URL('../../src/store/postgres/migrations/', import.meta.url)).length;
    expect(await onDatabase(url, async (c) => (await c.query('SELECT count(*)::int AS n FROM schema_migrations')).rows[0].n)).toBe(files);
    expect(await second.removeBefore(Date.UTC(2020, 2, 1))).toBe(1);
    expect(await partitions()).not.toContain('records_p20200229');
    await first.close();
    await second.close();
  });
});

describe('prefixUpperBound', () => {
  it('is the least string above every string with the prefix', () => {
    expect(prefixUpperBound('/a/')).toBe('/a0');
    expect(prefixUpperBound('')).toBeUndefined();
    expect(prefixUpperBound('a\u{10FFFF}')).toBe('b');
    expect(prefixUpperBound('\u{10FFFF}')).toBeUndefined();
    expect(prefixUpperBound('a\ud7ff')).toBe('a\ue000');
  });
});

describe('sqlite store availability', () => {
  it('answers 503 (UNAVAILABLE) when another process holds the write lock past the busy timeout', async () => {
    const path = join(tempDir(), 'locked.db');
    const store = SqliteStore.open(path, { busyTimeoutMs: 100 });
    const Database = (await import('better-sqlite3')).default;
    const other = new Database(path);
    other.exec('BEGIN IMMEDIATE');
    const error = await store.insertBatch([makeRecord()]).catch((e: unknown) => e);
    expect(error).toMatchObject({ code: '0200503', status: 503, retryAfter: 1 });
    other.exec('ROLLBACK');
    await store.insertBatch([makeRecord()]);
    expect(await store.countRecords()).toBe(1);
    other.close();
    await store.close();
  });
});
