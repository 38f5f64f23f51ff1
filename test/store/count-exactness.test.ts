import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Outcome, UrlFilter } from '../../src/contract/query.js';
import { isFailure } from '../../src/contract/outcome.js';
import type { CallRecord } from '../../src/contract/record.js';
import { BUCKET_MS } from '../../src/store/buckets.js';
import { PostgresStore } from '../../src/store/postgres/postgres-store.js';
import { SqliteStore } from '../../src/store/sqlite/sqlite-store.js';
import type { LogStore } from '../../src/store/types.js';
import { createTestDatabase, postgresAvailable } from '../helpers/pg.js';
import { makeRecord } from '../helpers/records.js';
import { tempDir } from '../helpers/tmp.js';

const withPostgres = await postgresAvailable();
const T0 = Date.UTC(2022, 7, 20);
const SPAN = 5 * 86_400_000;
const URLS = ['/a', '/a/b', '/a/b/c', '/a/bc', '/b', '/b/数据', '/c/x?y', '/ab'];

/** Deterministic pseudo-random numbers, so a failure can be replayed. */
function prng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = Math.imul(a ^ (a >>> 15), a | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

interface Filter {
  vdnId: number;
  fromMs: number;
  toMs: number;
  url: UrlFilter | undefined;
  outcome?: Outcome;
}

function matches(all: CallRecord[], q: Filter): CallRecord[] {
  return all
    .filter((r) => r.vdnId === q.vdnId && r.operTime >= q.fromMs && r.operTime < q.toMs)
    .filter((r) => !q.url || (q.url.kind === 'exact' ? r.url === q.url.value : r.url.startsWith(q.url.value)))
    .filter((r) => !q.outcome || isFailure(r) === (q.outcome === 'failure'));
}

/** The naive answer: filter everything, sort, slice. */
function naive(all: CallRecord[], q: Filter & { offset: number; limit: number }) {
  const matching = matches(all, q)
    .sort((a, b) => b.operTime - a.operTime || (a.id < b.id ? 1 : -1));
  return { count: matching.length, ids: matching.slice(q.offset, q.offset + q.limit).map((r) => r.id) };
}

function records(random: () => number): CallRecord[] {
  const out: CallRecord[] = [];
  for (let i = 0; i < 4000; i++) {
    // A third of the records sit on or next to an hour boundary, and many share a millisecond.
    const hourEdge = T0 + Math.floor(random() * (SPAN / BUCKET_MS)) * BUCKET_MS + [-1, 0, 0, 1][Math.floor(random() * 4)]!;
    const operTime = random() < 0.33 ? hourEdge : T0 + Math.floor(random() * SPAN);
    const shared = random() < 0.2 && out.length > 0 ? out[out.length - 1]!.operTime : operTime;
    const failure = [{}, {}, { httpStatus: 500, resultCode: '0200500' }, { httpStatus: 200, resultCode: '02000001' }, { resultCode: '' }][Math.floor(random() * 5)]!;
    out.push(makeRecord({ operTime: shared, vdnId: random() < 0.7 ? 2 : 3, url: URLS[Math.floor(random() * URLS.length)]!, ...failure }));
  }
  return out;
}

function randomQuery(random: () => number, count: () => number) {
  const edge = () => (random() < 0.5 ? T0 + Math.floor(random() * (SPAN / BUCKET_MS)) * BUCKET_MS + Math.floor(random() * 3) * 1000 : T0 + Math.floor(random() * SPAN / 1000) * 1000);
  let fromMs = edge() - 3600_000;
  let toMs = edge() + (random() < 0.3 ? 0 : Math.floor(random() * 2 * 86_400_000 / 1000) * 1000);
  if (toMs < fromMs) [fromMs, toMs] = [toMs, fromMs];
  toMs += 1000;
  const u = random();
  const url: UrlFilter | undefined = u < 0.4 ? undefined : u < 0.7 ? { kind: 'exact', value: URLS[Math.floor(random() * URLS.length)]! }
    : { kind: 'prefix', value: ['', '/', '/a', '/a/', '/a/b', '/b/数', '/z'][Math.floor(random() * 7)]! };
  const total = count();
  const offset = random() < 0.2 ? Math.floor(random() * 50) : Math.floor(random() * (total + 20));
  const outcome = ([undefined, undefined, 'success', 'failure'] as const)[Math.floor(random() * 4)];
  return { vdnId: random() < 0.8 ? 2 : 3, fromMs, toMs, url, outcome, offset, limit: 1 + Math.floor(random() * 100) };
}

/** The naive stats: every bucket of the window and every url, counted from the records. */
function naiveStats(all: CallRecord[], q: Filter & { bucketMs: number }) {
  const found = matches(all, q);
  const buckets = [];
  for (let start = Math.floor(q.fromMs / q.bucketMs) * q.bucketMs; start < q.toMs; start += q.bucketMs) {
    const inside = found.filter((r) => r.operTime >= start && r.operTime < start + q.bucketMs);
    buckets.push({ start, calls: inside.length, failures: inside.filter(isFailure).length });
  }
  const urls = [...new Set(found.map((r) => r.url))].sort().map((url) => {
    const of = found.filter((r) => r.url === url);
    return { url, calls: of.length, failures: of.filter(isFailure).length };
  });
  return { buckets, urls };
}

/** A stats answer's buckets without their percentiles (filter-exactness.test.ts checks those). */
const countsOf = (buckets: { start: number; calls: number; failures: number }[]) => buckets.map(({ start, calls, failures }) => ({ start, calls, failures }));

const STORES = [
  { name: 'sqlite', skip: false, open: async () => SqliteStore.open(join(tempDir(), 'exact.db')) as LogStore },
  { name: 'postgres', skip: !withPostgres, open: async () => (await PostgresStore.open(await createTestDatabase())) as LogStore },
];

for (const { name, skip, open } of STORES) describe.skipIf(skip)(`count structures on ${name}`, () => {
  let store: LogStore;
  let all: CallRecord[];
  const random = prng(20221120);

  beforeAll(async () => {
    store = await open();
    all = records(random);
    for (let i = 0; i < all.length; i += 333) await store.insertBatch(all.slice(i, i + 333));
    await store.insertBatch(all.slice(0, 500)); // a batch written again must not count twice
  });
  afterAll(() => store.close());

  it('gives exactly the naive count and page on 1,500 random queries', async () => {
    for (let i = 0; i < 1500; i++) {
      const q = randomQuery(random, () => all.length / 2);
      const expected = naive(all, q);
      const page = await store.query(q);
      expect({ count: page.count, ids: page.records.map((r) => r.id) }, JSON.stringify(q)).toEqual(expected);
    }
  });

  it('gives exactly the naive stats (per bucket and per url) on 300 random windows', async () => {
    for (let i = 0; i < 300; i++) {
      const { vdnId, fromMs, toMs, url } = randomQuery(random, () => 0);
      const bucketMs = [60_000, 300_000, BUCKET_MS][i % 3]!;
      // Short buckets are counted from the records: keep those windows short, as the interface does.
      const q = { vdnId, fromMs, toMs: bucketMs < BUCKET_MS ? Math.min(toMs, fromMs + 6 * BUCKET_MS) : toMs, url, bucketMs };
      const stats = await store.stats(q);
      const sorted = { buckets: countsOf(stats.buckets), urls: [...stats.urls].sort((a, b) => (a.url < b.url ? -1 : 1)) };
      expect(sorted, JSON.stringify(q)).toEqual(naiveStats(all, q));
    }
  });

  it('stays exact after imports and retention', async () => {
    const session = await store.beginImport();
    const imported = Array.from({ length: 300 }, (_, i) =>
      makeRecord({ operTime: T0 + i * 997_001, vdnId: 2, url: URLS[i % URLS.length]!, httpStatus: i % 3 ? 200 : 404 }));
    await session.add(imported);
    await session.commit();
    all.push(...imported);
    const cutoff = T0 + 2 * 86_400_000; // a day boundary: both stores remove exactly the same records
    await store.removeBefore(cutoff);
    all = all.filter((r) => r.operTime >= cutoff);
    for (let i = 0; i < 500; i++) {
      const q = randomQuery(random, () => all.length / 2);
      const expected = naive(all, q);
      const page = await store.query(q);
      expect({ count: page.count, ids: page.records.map((r) => r.id) }, JSON.stringify(q)).toEqual(expected);
    }
    const window = { vdnId: 2, fromMs: T0, toMs: T0 + SPAN, url: undefined, bucketMs: BUCKET_MS };
    const stats = await store.stats(window);
    expect({ buckets: countsOf(stats.buckets), urls: [...stats.urls].sort((a, b) => (a.url < b.url ? -1 : 1)) }).toEqual(naiveStats(all, window));
  });
});
