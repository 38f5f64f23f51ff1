import { hasFacetFilter, hasRecordFilter } from '../contract/filters.js';
import type { CallCounts, Percentiles } from '../contract/stats.js';
import { BUCKET_MS, hourSplit } from './buckets.js';
import { exactPercentiles, histogramPercentiles, NO_PERCENTILES, parseBins } from './latency.js';
import {
  countedByHour, directKeyCodeCountsSql, directUrlCountsSql, durationsSql, hourHistogramsSql, hourKeyCodeCountsSql, hourUrlCountsSql, type SqlBuilder,
} from './query-plan.js';
import type { StatsQuery, StoreStats } from './types.js';

/** The statements whose rows answer `stats`, by the kind of row they yield (summed by `summarizeStats`). */
export interface StatsPlan {
  /** `bucket`, `url`, `n`, `failures`. */
  counts: SqlBuilder[];
  /** `ak` ('' for none), `result_code`, `n`, `failures`. */
  keyCodes: SqlBuilder[];
  /** `bucket`, `bins`: whole hours' duration histograms. */
  histograms: SqlBuilder[];
  /** `bucket`, `duration_ms`: durations read from the records. */
  durations: SqlBuilder[];
}

/**
 * Whole hours come from the hourly structures (one probe per hour) and the partial hours at the
 * edges — or the whole window, when its buckets are shorter than an hour or a filter has no hourly
 * counts — from the records' index. Percentiles of whole hours come from the duration histograms,
 * which are kept per VDN only: under any filter, every bucket's durations are read from the records
 * (exact, and slower).
 */
export function statsPlan(q: StatsQuery): StatsPlan {
  const split = q.bucketMs >= BUCKET_MS && countedByHour(q) ? hourSplit(q.fromMs, q.toMs) : undefined;
  const whole = { fromMs: q.fromMs, toMs: q.toMs };
  const direct = split ? [{ fromMs: q.fromMs, toMs: split.firstFull }, { fromMs: split.lastFullEnd, toMs: q.toMs }].filter((e) => e.fromMs < e.toMs) : [whole];
  const unfiltered = !q.url && !q.outcome && !(q.filters && (hasFacetFilter(q.filters) || hasRecordFilter(q.filters)));
  const sketched = split && unfiltered ? split : undefined;
  return {
    counts: [
      ...(split ? [(p) => hourUrlCountsSql(q, split.firstFull, split.lastFullEnd, p)] : []) as SqlBuilder[],
      ...direct.map((w): SqlBuilder => (p) => directUrlCountsSql({ ...q, ...w }, q.bucketMs, p)),
    ],
    keyCodes: [
      ...(split ? [(p) => hourKeyCodeCountsSql(q, split.firstFull, split.lastFullEnd, p)] : []) as SqlBuilder[],
      ...direct.map((w): SqlBuilder => (p) => directKeyCodeCountsSql({ ...q, ...w }, p)),
    ],
    histograms: sketched ? [(p) => hourHistogramsSql(q, sketched.firstFull, sketched.lastFullEnd, p)] : [],
    durations: (sketched ? direct : [whole]).map((w): SqlBuilder => (p) => durationsSql({ ...q, ...w }, q.bucketMs, p)),
  };
}

/** Rows as the drivers hand them over (counts may come as strings). */
type Num = number | string;
export interface StatsRows {
  counts: { bucket: Num; url: string; n: Num; failures: Num }[];
  keyCodes: { ak: string; result_code: string; n: Num; failures: Num }[];
  histograms: { bucket: Num; bins: string }[];
  durations: { bucket: Num; duration_ms: Num }[];
}

function add<K>(map: Map<K, CallCounts>, key: K, calls: number, failures: number): void {
  const c = map.get(key);
  if (c) {
    c.calls += calls;
    c.failures += failures;
  } else map.set(key, { calls, failures });
}

/**
 * Sums the rows into per-bucket counts and percentiles (every bucket of the window, empty ones
 * included), per-url and per-access-key counts.
 */
export function summarizeStats(q: StatsQuery, rows: StatsRows): StoreStats {
  const bucketOf = (value: Num) => Math.floor(Number(value) / q.bucketMs) * q.bucketMs;
  const byBucket = new Map<number, CallCounts>();
  const byUrl = new Map<string, CallCounts>();
  for (const row of rows.counts) {
    add(byBucket, bucketOf(row.bucket), Number(row.n), Number(row.failures));
    add(byUrl, row.url, Number(row.n), Number(row.failures));
  }
  const byAk = new Map<string, CallCounts>();
  const byCode = new Map<string, CallCounts>();
  for (const row of rows.keyCodes) {
    // Calls without a verified key count for their result code, not as an access key.
    if (row.ak !== '') add(byAk, row.ak, Number(row.n), Number(row.failures));
    add(byCode, row.result_code, Number(row.n), Number(row.failures));
  }
  // A bucket is at most an hour: either a whole hour (its histogram) or read from the records.
  const percentiles = new Map<number, Percentiles>();
  for (const row of rows.histograms) percentiles.set(bucketOf(row.bucket), histogramPercentiles(parseBins(row.bins)));
  const durations = new Map<number, number[]>();
  for (const row of rows.durations) {
    const values = durations.get(bucketOf(row.bucket));
    if (values) values.push(Number(row.duration_ms));
    else durations.set(bucketOf(row.bucket), [Number(row.duration_ms)]);
  }
  for (const [bucket, values] of durations) percentiles.set(bucket, exactPercentiles(values));
  const buckets: StoreStats['buckets'] = [];
  for (let start = Math.floor(q.fromMs / q.bucketMs) * q.bucketMs; start < q.toMs; start += q.bucketMs) {
    buckets.push({ start, ...(byBucket.get(start) ?? { calls: 0, failures: 0 }), ...(percentiles.get(start) ?? NO_PERCENTILES) });
  }
  return {
    buckets,
    urls: [...byUrl].map(([url, c]) => ({ url, ...c })),
    aks: [...byAk].map(([ak, c]) => ({ ak, ...c })),
    resultCodes: [...byCode].map(([resultCode, c]) => ({ resultCode, ...c })),
  };
}
