import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { foldAscii, type RecordFilters } from '../../src/contract/filters.js';
import { isFailure } from '../../src/contract/outcome.js';
import type { Outcome, UrlFilter } from '../../src/contract/query.js';
import type { CallRecord } from '../../src/contract/record.js';
import { BUCKET_MS } from '../../src/store/buckets.js';
import { PostgresStore } from '../../src/store/postgres/postgres-store.js';
import { SqliteStore } from '../../src/store/sqlite/sqlite-store.js';
import { RELATIVE_ERROR } from '../../src/store/latency.js';
import type { LogStore, StoreStats } from '../../src/store/types.js';
import { createTestDatabase, postgresAvailable } from '../helpers/pg.js';
import { makeRecord } from '../helpers/records.js';
import { pick, seededRandom, type Rng } from '../helpers/seeded.js';
import { tempDir } from '../helpers/tmp.js';

// Issue #12: every combination of filters counts and pages exactly like the naive query, on both
// stores, whichever structure answers it (record_counts, record_facets, or the records).

const withPostgres = await postgresAvailable();
const T0 = Date.UTC(2023, 4, 1);
const SPAN = 4 * 86_400_000;
const URLS = ['/a', '/a/b', '/a/bc', '/b', '/b/数据'];
const AKS = ['ak-one', 'ak-two', 'ak-three', null];
const CODES = ['0200000', '02000007', '0200500', '0', ''];
const STATUSES = [200, 200, 400, 404, 500, 503];
const TYPES = ['GET', 'POST', 'PUT', 'DELETE'];
const IPS = ['10.0.0.1', '10.0.0.2', '::1', '2001:db8::7'];
const TEXTS = ['{"calledNo":"138****1234"}', '{"name":"Spring_Sale 100%"}', '{"Note":"ÉTÉ été"}', '{"x":"abc\\\\def"}', '{}'];
const DESCS = ['ok', 'Campaign PAUSED', 'limit: must be between 1 and 100', 'été', ''];

function records(random: Rng, count: number, from = T0): CallRecord[] {
  const out: CallRecord[] = [];
  for (let i = 0; i < count; i++) {
    const edge = from + Math.floor(random() * (SPAN / BUCKET_MS)) * BUCKET_MS + pick(random, [-1, 0, 1]);
    const operTime = random() < 0.3 ? edge : from + Math.floor(random() * SPAN);
    out.push(makeRecord({
      operTime, vdnId: random() < 0.8 ? 2 : 3, url: pick(random, URLS), ak: pick(random, AKS), resultCode: pick(random, CODES),
      httpStatus: pick(random, STATUSES), type: pick(random, TYPES), clientIp: random() < 0.9 ? pick(random, IPS) : null,
      durationMs: random() < 0.9 ? Math.round(random() * 5000) / 10 : null, request: pick(random, TEXTS), resultDesc: pick(random, DESCS),
    }));
  }
  return out;
}

interface Query {
  vdnId: number;
  fromMs: number;
  toMs: number;
  url: UrlFilter | undefined;
  outcome: Outcome | undefined;
  filters: RecordFilters;
}

function some<T>(random: Rng, values: readonly T[]): T[] {
  return [...new Set(Array.from({ length: 1 + Math.floor(random() * 3) }, () => pick(random, values)))];
}

function randomFilters(random: Rng): RecordFilters {
  const f: RecordFilters = {};
  if (random() < 0.35) f.ak = some(random, ['ak-one', 'ak-two', 'ak-three', 'ak-none']);
  if (random() < 0.3) f.resultCode = some(random, [...CODES.filter(Boolean), '9999999']);
  if (random() < 0.3) f.httpStatus = some(random, [...STATUSES, 302]);
  if (random() < 0.25) f.type = some(random, TYPES);
  if (random() < 0.12) f.clientIp = pick(random, [...IPS, '192.168.1.1']);
  if (random() < 0.12) f.minDurationMs = pick(random, [0, 1, 250, 400.5, 499.9, 600]);
  if (random() < 0.12) f.text = pick(random, ['138', 'sale 100%', 'spring_', 'été', 'ÉTÉ', 'paused', 'c\\d', 'between 1', 'zzz']);
  return f;
}

function randomQuery(random: Rng): Query {
  const edge = () => (random() < 0.5 ? T0 + Math.floor(random() * (SPAN / BUCKET_MS)) * BUCKET_MS + Math.floor(random() * 3) * 1000 : T0 + Math.floor(random() * SPAN / 1000) * 1000);
  let fromMs = edge() - 3_600_000;
  let toMs = edge() + (random() < 0.3 ? 0 : Math.floor(random() * 3 * 86_400_000 / 1000) * 1000);
  if (toMs < fromMs) [fromMs, toMs] = [toMs, fromMs];
  toMs += 1000;
  const u = random();
  const url: UrlFilter | undefined = u < 0.6 ? undefined : u < 0.8 ? { kind: 'exact', value: pick(random, URLS) } : { kind: 'prefix', value: pick(random, ['', '/a', '/b/数']) };
  return { vdnId: random() < 0.85 ? 2 : 3, fromMs, toMs, url, outcome: pick(random, [undefined, undefined, 'success', 'failure'] as const), filters: randomFilters(random) };
}

const textOf = (s: string | null) => foldAscii(s ?? '');

function matches(all: CallRecord[], q: Query): CallRecord[] {
  const f = q.filters;
  return all.filter((r) => r.vdnId === q.vdnId && r.operTime >= q.fromMs && r.operTime < q.toMs
    && (!q.url || (q.url.kind === 'exact' ? r.url === q.url.value : r.url.startsWith(q.url.value)))
    && (!q.outcome || isFailure(r) === (q.outcome === 'failure'))
    && (!f.ak || (r.ak !== null && f.ak.includes(r.ak)))
    && (!f.resultCode || f.resultCode.includes(r.resultCode))
    && (!f.httpStatus || f.httpStatus.includes(r.httpStatus))
    && (!f.type || f.type.includes(r.type))
    && (f.clientIp === undefined || r.clientIp === f.clientIp)
    && (f.minDurationMs === undefined || (r.durationMs !== null && r.durationMs >= f.minDurationMs))
    && (f.text === undefined || textOf(r.request).includes(foldAscii(f.text)) || textOf(r.resultDesc).includes(foldAscii(f.text))));
}

function naivePage(all: CallRecord[], q: Query & { offset: number; limit: number }) {
  const found = matches(all, q).sort((a, b) => b.operTime - a.operTime || (a.id < b.id ? 1 : -1));
  return { count: found.length, ids: found.slice(q.offset, q.offset + q.limit).map((r) => r.id) };
}

/** Nearest-rank percentile of sorted values. */
const percentile = (sorted: number[], q: number) => (sorted.length ? sorted[Math.max(1, Math.ceil(q * sorted.length)) - 1]! : null);

function naiveStats(all: CallRecord[], q: Query & { bucketMs: number }) {
  const found = matches(all, q);
  const buckets = [];
  for (let start = Math.floor(q.fromMs / q.bucketMs) * q.bucketMs; start < q.toMs; start += q.bucketMs) {
    const inside = found.filter((r) => r.operTime >= start && r.operTime < start + q.bucketMs);
    const durations = inside.flatMap((r) => (r.durationMs === null ? [] : [r.durationMs])).sort((a, b) => a - b);
    buckets.push({ start, calls: inside.length, failures: inside.filter(isFailure).length,
      p50Ms: percentile(durations, 0.5), p95Ms: percentile(durations, 0.95), p99Ms: percentile(durations, 0.99) });
  }
  const group = <K extends string>(key: (r: CallRecord) => K | null) => [...new Set(found.map(key).filter((k) => k !== null))].sort().map((k) => {
    const of = found.filter((r) => key(r) === k);
    return { key: k, calls: of.length, failures: of.filter(isFailure).length };
  });
  return {
    buckets,
    urls: group((r) => r.url).map(({ key, ...c }) => ({ url: key, ...c })),
    aks: group((r) => r.ak).map(({ key, ...c }) => ({ ak: key, ...c })),
    resultCodes: group((r) => r.resultCode).map(({ key, ...c }) => ({ resultCode: key, ...c })),
  };
}

/** Counts exactly; each percentile within the histograms' 2 % of the exact one (exact where the records answer). */
function expectStats(got: StoreStats, expected: ReturnType<typeof naiveStats>, label: string): void {
  const byKey = <T, K extends keyof T>(rows: T[], key: K) => [...rows].sort((a, b) => (String(a[key]) < String(b[key]) ? -1 : 1));
  expect({
    buckets: got.buckets.map(({ start, calls, failures }) => ({ start, calls, failures })), urls: byKey(got.urls, 'url'), aks: byKey(got.aks, 'ak'),
    resultCodes: byKey(got.resultCodes, 'resultCode'),
  }, label).toEqual({
    buckets: expected.buckets.map(({ start, calls, failures }) => ({ start, calls, failures })), urls: expected.urls, aks: expected.aks,
    resultCodes: expected.resultCodes,
  });
  got.buckets.forEach((bucket, i) => {
    for (const name of ['p50Ms', 'p95Ms', 'p99Ms'] as const) {
      const want = expected.buckets[i]![name];
      const have = bucket[name];
      if (want === null || have === null) expect([label, bucket.start, name, have]).toEqual([label, bucket.start, name, want]);
      else expect(Math.abs(have - want), `${label} ${bucket.start} ${name}: ${have} vs ${want}`).toBeLessThanOrEqual(want * RELATIVE_ERROR + 1e-9);
    }
  });
}

const STORES = [
  { name: 'sqlite', skip: false, open: async () => SqliteStore.open(join(tempDir(), 'filters.db')) as LogStore },
  { name: 'postgres', skip: !withPostgres, open: async () => (await PostgresStore.open(await createTestDatabase())) as LogStore },
];

for (const { name, skip, open } of STORES) describe.skipIf(skip)(`filters are exact on ${name}`, () => {
  let store: LogStore;
  let all: CallRecord[];
  const random = seededRandom(1212);

  beforeAll(async () => {
    store = await open();
    all = records(random, 5000);
    for (let i = 0; i < all.length; i += 500) await store.insertBatch(all.slice(i, i + 500));
  });
  afterAll(() => store.close());

  async function checkQueries(n: number): Promise<number> {
    let nonEmpty = 0;
    for (let i = 0; i < n; i++) {
      const q = randomQuery(random);
      const total = matches(all, q).length;
      const offset = random() < 0.3 ? Math.floor(random() * 20) : Math.floor(random() * (total + 10));
      const query = { ...q, offset, limit: 1 + Math.floor(random() * 60) };
      const page = await store.query(query);
      expect({ count: page.count, ids: page.records.map((r) => r.id) }, JSON.stringify(query)).toEqual(naivePage(all, query));
      if (total > 0) nonEmpty += 1;
    }
    return nonEmpty;
  }

  it('2,000 random filter combinations: counts and pages equal the naive query', async () => {
    const nonEmpty = await checkQueries(2000);
    // Both empty and non-empty answers were exercised.
    expect(nonEmpty).toBeGreaterThan(400);
    expect(nonEmpty).toBeLessThan(1900);
  });

  it('unfiltered stats of whole hours take their percentiles from the histograms, within 2 %', async () => {
    for (let i = 0; i < 50; i++) {
      const day = T0 + Math.floor(random() * 3) * 86_400_000;
      const q = { vdnId: pick(random, [2, 3]), fromMs: day + BUCKET_MS * Math.floor(random() * 3), toMs: day + 86_400_000 + Math.floor(random() * 3) * 60_000, url: undefined, outcome: undefined, filters: {}, bucketMs: BUCKET_MS };
      expectStats(await store.stats(q), naiveStats(all, q), JSON.stringify(q));
    }
  });

  it('300 random filtered stats equal the naive counts', async () => {
    for (let i = 0; i < 300; i++) {
      const q = randomQuery(random);
      const bucketMs = pick(random, [60_000, 300_000, BUCKET_MS]);
      const stats = { ...q, toMs: bucketMs < BUCKET_MS ? Math.min(q.toMs, q.fromMs + 3 * BUCKET_MS) : q.toMs, bucketMs };
      expectStats(await store.stats(stats), naiveStats(all, stats), JSON.stringify(stats));
    }
  });

  it('stays exact after an import and after retention', async () => {
    const imported = records(random, 1500, T0 + SPAN / 2);
    const session = await store.beginImport();
    await session.add(imported);
    await session.commit();
    all.push(...imported);
    const cutoff = T0 + 86_400_000; // a day boundary: both stores remove exactly these records
    await store.removeBefore(cutoff);
    all = all.filter((r) => r.operTime >= cutoff);
    await checkQueries(800);
  });
});
