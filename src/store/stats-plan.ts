import type { CallCounts } from '../contract/stats.js';
import { BUCKET_MS, hourSplit } from './buckets.js';
import { countedByHour, directUrlCountsSql, hourUrlCountsSql, type SqlBuilder } from './query-plan.js';
import type { StatsQuery, StoreStats } from './types.js';

/**
 * The statements whose count rows answer `stats` (summed by `summarizeStats`): whole hours from
 * `record_counts` (one probe per hour) and the partial hours at the edges — or the whole window,
 * when its buckets are shorter than an hour — counted from the records' index.
 */
export function statsStatements(q: StatsQuery): SqlBuilder[] {
  const split = q.bucketMs >= BUCKET_MS && countedByHour(q) ? hourSplit(q.fromMs, q.toMs) : undefined;
  if (!split) return [(p) => directUrlCountsSql(q, q.bucketMs, p)];
  const edges = [{ fromMs: q.fromMs, toMs: split.firstFull }, { fromMs: split.lastFullEnd, toMs: q.toMs }].filter((e) => e.fromMs < e.toMs);
  return [
    (p) => hourUrlCountsSql(q, split.firstFull, split.lastFullEnd, p),
    ...edges.map((edge): SqlBuilder => (p) => directUrlCountsSql({ ...q, ...edge }, q.bucketMs, p)),
  ];
}

/** A count row either source yields (drivers may hand counts over as strings). */
export interface CountRow {
  bucket: number | string;
  url: string;
  n: number | string;
  failures: number | string;
}

function add<K>(map: Map<K, CallCounts>, key: K, calls: number, failures: number): void {
  const c = map.get(key);
  if (c) {
    c.calls += calls;
    c.failures += failures;
  } else map.set(key, { calls, failures });
}

/** Sums the rows into per-bucket (every bucket of the window, empty ones included) and per-url counts. */
export function summarizeStats(q: StatsQuery, rows: CountRow[]): StoreStats {
  const byBucket = new Map<number, CallCounts>();
  const byUrl = new Map<string, CallCounts>();
  for (const row of rows) {
    const calls = Number(row.n);
    const failures = Number(row.failures);
    add(byBucket, Math.floor(Number(row.bucket) / q.bucketMs) * q.bucketMs, calls, failures);
    add(byUrl, row.url, calls, failures);
  }
  const buckets: StoreStats['buckets'] = [];
  for (let start = Math.floor(q.fromMs / q.bucketMs) * q.bucketMs; start < q.toMs; start += q.bucketMs) {
    buckets.push({ start, ...(byBucket.get(start) ?? { calls: 0, failures: 0 }) });
  }
  return { buckets, urls: [...byUrl].map(([url, c]) => ({ url, ...c })) };
}
