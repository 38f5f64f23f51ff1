import type { UrlFilter } from '../contract/query.js';
import { SUCCESS_RESULT_CODES } from '../contract/outcome.js';
import type { CallRecord } from '../contract/record.js';
import { BUCKET_MS, TOTAL_URL } from './buckets.js';
import type { ScanFilter, StoreQuery } from './types.js';
import { urlRange } from './url-filter.js';
import { NO_VDN } from './types.js';

/** Registers a parameter value and returns its placeholder in the SQL text. */
export type Param = (value: unknown) => string;

/** SQL text built while registering its parameters in the order they appear. */
export type SqlBuilder = (param: Param) => string;

/** The text and parameters of a statement, in a store's placeholder style (`?`, or `$1`, `$2`, …). */
export function bindSql(build: SqlBuilder, style: 'sqlite' | 'postgres'): { text: string; values: unknown[] } {
  const values: unknown[] = [];
  const text = build((value) => {
    values.push(value);
    return style === 'sqlite' ? '?' : `$${values.length}`;
  });
  return { text, values };
}

/** `isFailure` as SQL over a records row (both stores); the codes are constants, not input. */
export const FAILURE_SQL = `(http_status >= 400 OR result_code NOT IN (${SUCCESS_RESULT_CODES.map((c) => `'${c}'`).join(', ')}))`;

/**
 * The WHERE conditions of a query's window, url and outcome filters, for either store's SQL:
 * `param` registers a value and returns its placeholder.
 */
export function windowConditions(q: Omit<StoreQuery, 'offset' | 'limit'>, param: Param): string {
  const where = [`vdn = ${param(q.vdnId)}`, `oper_time >= ${param(q.fromMs)}`, `oper_time < ${param(q.toMs)}`];
  if (q.url) where.push(urlCondition(q.url, param, 'url'));
  if (q.outcome) where.push(q.outcome === 'failure' ? FAILURE_SQL : `NOT ${FAILURE_SQL}`);
  return where.join(' AND ');
}

function urlCondition(url: UrlFilter, param: Param, column: string): string {
  const range = urlRange(url);
  if (range.exact !== undefined) return `${column} = ${param(range.exact)}`;
  return range.to === undefined ? `${column} >= ${param(range.from)}` : `${column} >= ${param(range.from)} AND ${column} < ${param(range.to)}`;
}

// SQLite keeps a CROSS JOIN's order, so each hour probes the (bucket, vdn, url) key; left to itself
// it may scan record_counts and look the hours up instead. PostgreSQL plans it like any join.
const HOURS_FIRST = 'hours h CROSS JOIN record_counts c WHERE c.bucket = h.bucket';

/** The hours `[fromBucket, toBucket)` as a recursive CTE `hours (bucket)` (both stores). */
function hoursCte(fromBucket: number, toBucket: number, param: Param): string {
  return `WITH RECURSIVE hours (bucket) AS (SELECT CAST(${param(fromBucket)} AS BIGINT) UNION ALL
    SELECT bucket + ${BUCKET_MS} FROM hours WHERE bucket + ${BUCKET_MS} < ${param(toBucket)})`;
}

/**
 * The per-hour counts of a query's VDN, url and outcome filters between two hours, newest first,
 * from `record_counts` (no url filter, or the prefix `""`: the total rows): one index probe per
 * hour, the table being keyed hour first. Works on both stores.
 */
export function hourCountsSql(q: Pick<StoreQuery, 'vdnId' | 'url' | 'outcome'>, fromBucket: number, toBucket: number, param: Param): string {
  // Parameters are registered in the order they appear: SQLite's placeholders are positional.
  const hours = hoursCte(fromBucket, toBucket, param);
  const vdn = `c.vdn = ${param(q.vdnId)}`;
  const url = !q.url || (q.url.kind === 'prefix' && q.url.value === '') ? `c.url = ${param(TOTAL_URL)}` : urlCondition(q.url, param, 'c.url');
  const n = q.outcome === 'failure' ? 'c.failures' : q.outcome === 'success' ? 'c.n - c.failures' : 'c.n';
  return `${hours} SELECT h.bucket AS bucket, sum(${n}) AS n FROM ${HOURS_FIRST} AND ${vdn} AND ${url}
          GROUP BY h.bucket ORDER BY h.bucket DESC`;
}

/**
 * Calls and failures per whole hour and url (`bucket`, `url`, `n`, `failures`) of a VDN between
 * two hours, from `record_counts`: one index probe per hour.
 */
export function hourUrlCountsSql(q: Pick<StoreQuery, 'vdnId' | 'url'>, fromBucket: number, toBucket: number, param: Param): string {
  // In text order: SQLite's placeholders are positional.
  const hours = hoursCte(fromBucket, toBucket, param);
  const vdn = `c.vdn = ${param(q.vdnId)}`;
  const notTotal = `c.url <> ${param(TOTAL_URL)}`;
  const url = q.url ? urlCondition(q.url, param, 'c.url') : '1 = 1';
  return `${hours} SELECT c.bucket AS bucket, c.url AS url, c.n AS n, c.failures AS failures
          FROM ${HOURS_FIRST} AND ${vdn} AND ${notTotal} AND ${url}`;
}

/** The same counts read from the records themselves, in buckets of `bucketMs` (for partial hours and short windows). */
export function directUrlCountsSql(q: Omit<StoreQuery, 'offset' | 'limit' | 'outcome'>, bucketMs: number, param: Param): string {
  return `SELECT (oper_time / ${bucketMs}) * ${bucketMs} AS bucket, url, count(*) AS n,
            sum(CASE WHEN ${FAILURE_SQL} THEN 1 ELSE 0 END) AS failures
          FROM records WHERE ${windowConditions(q, param)} GROUP BY 1, 2`;
}

export const SCAN_PAGE = 1000;

/** Keyset position of a scan within one VDN: after (time, id). */
export interface ScanCursor {
  vdn: number;
  afterTime: number;
  afterId: string;
  fromMs: number;
  toMs: number;
}

/**
 * Every record the filter selects, VDN by VDN (ascending), oldest first within each, read in pages
 * of SCAN_PAGE by keyset so that no page costs more than the last.
 */
export async function* keysetScan(
  filter: ScanFilter,
  allVdns: () => Promise<number[]>,
  page: (cursor: ScanCursor) => Promise<CallRecord[]>,
): AsyncGenerator<CallRecord> {
  const vdns = filter.vdnId === undefined ? await allVdns() : [filter.vdnId ?? NO_VDN];
  for (const vdn of vdns) {
    let afterTime = Number.MIN_SAFE_INTEGER;
    let afterId = '';
    for (;;) {
      const rows = await page({ vdn, afterTime, afterId, fromMs: filter.fromMs ?? Number.MIN_SAFE_INTEGER, toMs: filter.toMs ?? Number.MAX_SAFE_INTEGER });
      yield* rows;
      if (rows.length < SCAN_PAGE) break;
      const last = rows[rows.length - 1]!;
      afterTime = last.operTime;
      afterId = last.id;
    }
  }
}
