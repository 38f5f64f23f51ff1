import { BUCKET_MS, bucketOf, hourSplit, locate, type Seek } from './buckets.js';
import { countedByHour, hourCountsSql, windowConditions, type SqlBuilder } from './query-plan.js';
import type { StoreQuery } from './types.js';

/** Rows as the drivers hand them over (counts may come as strings). */
type CountRow = { bucket?: number | string; n: number | string | null };

/**
 * A query's count and where its page starts, as a conversation with the store: the plan yields the
 * statements it needs one at a time and is handed their rows back, so that SQLite can run it
 * synchronously inside one transaction and PostgreSQL with `await` inside one snapshot.
 *
 * Windows the hourly counts can answer: their whole hours from those, the partial edges counted
 * directly. Filters the hourly counts do not keep (address, duration, text): one pass over the
 * window's records counts each hour, and the page is then read within one hour, not skipped to
 * through the whole window again.
 */
export function* seekPlan(q: StoreQuery): Generator<SqlBuilder, Seek, CountRow[]> {
  const split = hourSplit(q.fromMs, q.toMs);
  if (!countedByHour(q)) {
    const rows = yield (p) => `SELECT (oper_time / ${BUCKET_MS}) * ${BUCKET_MS} AS bucket, count(*) AS n FROM records
      WHERE ${windowConditions(q, p)} GROUP BY 1 ORDER BY 1 DESC`;
    const hours = rows.map((h) => ({ bucket: Number(h.bucket), n: Number(h.n) }));
    const seek = locate(q.offset, q.toMs, { firstFull: bucketOf(q.fromMs), lastFullEnd: q.toMs }, { newestEdge: 0, hours, oldestEdge: 0 });
    return { ...seek, toMs: Math.min(seek.toMs, q.toMs) };
  }
  const count = function* (fromMs: number, toMs: number): Generator<SqlBuilder, number, CountRow[]> {
    const [row] = yield (p) => `SELECT count(*) AS n FROM records WHERE ${windowConditions({ ...q, fromMs, toMs }, p)}`;
    return Number(row!.n);
  };
  if (!split) return { count: yield* count(q.fromMs, q.toMs), toMs: q.toMs, offset: q.offset };
  const newestEdge = yield* count(split.lastFullEnd, q.toMs);
  const hours = (yield (p) => hourCountsSql(q, split.firstFull, split.lastFullEnd, p)).map((h) => ({ bucket: Number(h.bucket), n: Number(h.n) }));
  const oldestEdge = yield* count(q.fromMs, split.firstFull);
  return locate(q.offset, q.toMs, split, { newestEdge, hours, oldestEdge });
}
