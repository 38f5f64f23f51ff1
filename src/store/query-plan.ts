import { foldAscii, hasFacetFilter, hasRecordFilter, type RecordFilters } from '../contract/filters.js';
import type { Outcome, UrlFilter } from '../contract/query.js';
import { SUCCESS_RESULT_CODES } from '../contract/outcome.js';
import type { CallRecord } from '../contract/record.js';
import type { RecordLookup } from '../contract/record-lookup.js';
import { BUCKET_MS, TOTAL_URL } from './buckets.js';
import type { ScanFilter, StoreQuery } from './types.js';
import { urlRange } from './url-filter.js';
import { NO_VDN } from './types.js';

export type Dialect = 'sqlite' | 'postgres';

/** Registers a parameter value and returns its placeholder in the SQL text; knows the SQL dialect. */
export type Param = ((value: unknown) => string) & { readonly dialect: Dialect };

/** SQL text built while registering its parameters in the order they appear. */
export type SqlBuilder = (param: Param) => string;

/** The text and parameters of a statement, in a store's placeholder style (`?`, or `$1`, `$2`, …). */
export function bindSql(build: SqlBuilder, dialect: Dialect): { text: string; values: unknown[] } {
  const values: unknown[] = [];
  const param = (value: unknown): string => {
    values.push(value);
    return dialect === 'sqlite' ? '?' : `$${values.length}`;
  };
  const text = build(Object.assign(param, { dialect }));
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
  if (q.outcome) where.push(outcomeCondition(q.outcome));
  return [...where, ...filterConditions(q.filters, param)].join(' AND ');
}

function outcomeCondition(outcome: Outcome): string {
  return outcome === 'failure' ? FAILURE_SQL : `NOT ${FAILURE_SQL}`;
}

/**
 * The record filters as conditions on the columns of `records` (or, for the facet filters, of
 * `record_facets`, whose columns have the same names: `ak` there is '' for none, which no filter
 * value is).
 */
function filterConditions(f: RecordFilters | undefined, param: Param): string[] {
  if (!f) return [];
  const where: string[] = [];
  const anyOf = (column: string, values: readonly unknown[]) => `${column} IN (${values.map(param).join(', ')})`;
  if (f.ak) where.push(anyOf('ak', f.ak));
  if (f.resultCode) where.push(anyOf('result_code', f.resultCode));
  if (f.httpStatus) where.push(anyOf('http_status', f.httpStatus));
  if (f.type) where.push(anyOf('type', f.type));
  if (f.clientIp !== undefined) where.push(`client_ip = ${param(f.clientIp)}`);
  if (f.minDurationMs !== undefined) where.push(`duration_ms >= ${param(f.minDurationMs)}`);
  if (f.text !== undefined) where.push(`(${textMatch('request', f.text, param)} OR ${textMatch('result_desc', f.text, param)})`);
  return where;
}

/**
 * `text` inside `column`, A–Z matching a–z and every other character itself, the same on both
 * stores: SQLite's LIKE folds ASCII only; PostgreSQL's `lower` under the "C" collation too (under
 * the database's locale it would fold more; `translate` does the same as "C" but 16 times slower).
 */
function textMatch(column: string, text: string, param: Param): string {
  const pattern = param(`%${foldAscii(text).replace(/[\\%_]/g, (c) => `\\${c}`)}%`);
  return param.dialect === 'sqlite'
    ? `${column} LIKE ${pattern} ESCAPE '\\'`
    : `lower(${column} COLLATE "C") LIKE ${pattern} ESCAPE '\\'`;
}

function urlCondition(url: UrlFilter, param: Param, column: string): string {
  const range = urlRange(url);
  if (range.exact !== undefined) return `${column} = ${param(range.exact)}`;
  return range.to === undefined ? `${column} >= ${param(range.from)}` : `${column} >= ${param(range.from)} AND ${column} < ${param(range.to)}`;
}

/**
 * Whether a query's whole hours are counted from the count structures (record_counts, or
 * record_facets under facet filters); filters on a call's address, duration or text are not kept
 * per hour: such a window is counted from the records.
 */
export function countedByHour(q: Pick<StoreQuery, 'filters'>): boolean {
  return !(q.filters && hasRecordFilter(q.filters));
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
export function hourCountsSql(q: Pick<StoreQuery, 'vdnId' | 'url' | 'outcome' | 'filters'>, fromBucket: number, toBucket: number, param: Param): string {
  if (q.filters && hasFacetFilter(q.filters)) return hourFacetCountsSql(q, fromBucket, toBucket, param);
  // Parameters are registered in the order they appear: SQLite's placeholders are positional.
  const hours = hoursCte(fromBucket, toBucket, param);
  const vdn = `c.vdn = ${param(q.vdnId)}`;
  const url = !q.url || (q.url.kind === 'prefix' && q.url.value === '') ? `c.url = ${param(TOTAL_URL)}` : urlCondition(q.url, param, 'c.url');
  const n = q.outcome === 'failure' ? 'c.failures' : q.outcome === 'success' ? 'c.n - c.failures' : 'c.n';
  return `${hours} SELECT h.bucket AS bucket, sum(${n}) AS n FROM ${HOURS_FIRST} AND ${vdn} AND ${url}
          GROUP BY h.bucket ORDER BY h.bucket DESC`;
}

/**
 * The same from `record_facets`, when the query filters on access key, result code, status or
 * method: a sum over the hour's facet rows (one index range per hour; `n` is null for an hour
 * without any). A subquery per hour rather than a join and GROUP BY spares SQLite sorting ~30,000
 * facet rows of a busy week into groups (6.4 → 4.6 ms on the benchmark's store).
 */
function hourFacetCountsSql(q: Pick<StoreQuery, 'vdnId' | 'url' | 'outcome' | 'filters'>, fromBucket: number, toBucket: number, param: Param): string {
  return `${hoursCte(fromBucket, toBucket, param)} SELECT h.bucket AS bucket,
          (SELECT sum(f.n) FROM record_facets f WHERE f.bucket = h.bucket AND ${facetConditions(q, param)}) AS n
          FROM hours h ORDER BY h.bucket DESC`;
}

/** A query's VDN, url, outcome and facet filters on `record_facets f`. */
function facetConditions(q: Pick<StoreQuery, 'vdnId' | 'url' | 'outcome' | 'filters'>, param: Param): string {
  const where = [`f.vdn = ${param(q.vdnId)}`];
  if (q.url) where.push(urlCondition(q.url, param, 'f.url'));
  if (q.outcome) where.push(outcomeCondition(q.outcome));
  return [...where, ...filterConditions(q.filters, param)].join(' AND ');
}

/**
 * Calls and failures per whole hour and url (`bucket`, `url`, `n`, `failures`) of a VDN between
 * two hours, from `record_counts` (or `record_facets` under facet filters): one index probe per hour.
 */
export function hourUrlCountsSql(q: Pick<StoreQuery, 'vdnId' | 'url' | 'outcome' | 'filters'>, fromBucket: number, toBucket: number, param: Param): string {
  if (q.outcome || (q.filters && hasFacetFilter(q.filters))) {
    return facetSumsSql(q, fromBucket, toBucket, param, ['bucket', 'url']);
  }
  // In text order: SQLite's placeholders are positional.
  const hours = hoursCte(fromBucket, toBucket, param);
  const vdn = `c.vdn = ${param(q.vdnId)}`;
  const notTotal = `c.url <> ${param(TOTAL_URL)}`;
  const url = q.url ? urlCondition(q.url, param, 'c.url') : '1 = 1';
  return `${hours} SELECT c.bucket AS bucket, c.url AS url, c.n AS n, c.failures AS failures
          FROM ${HOURS_FIRST} AND ${vdn} AND ${notTotal} AND ${url}`;
}

/**
 * Calls and failures per access key ('' for none) and result code over whole hours (`ak`,
 * `result_code`, `n`, `failures`), from `record_facets`: a handful of rows, summed per key and per
 * code by the caller.
 */
export function hourKeyCodeCountsSql(q: Pick<StoreQuery, 'vdnId' | 'url' | 'outcome' | 'filters'>, fromBucket: number, toBucket: number, param: Param): string {
  return facetSumsSql(q, fromBucket, toBucket, param, ['ak', 'result_code']);
}

/** Calls (`n`) and failures over the facet rows of whole hours, grouped by some of their columns. */
function facetSumsSql(q: Pick<StoreQuery, 'vdnId' | 'url' | 'outcome' | 'filters'>, fromBucket: number, toBucket: number, param: Param,
  columns: readonly string[]): string {
  return `${hoursCte(fromBucket, toBucket, param)} SELECT ${columns.map((c) => `f.${c} AS ${c}`).join(', ')}, sum(f.n) AS n,
            sum(CASE WHEN ${FAILURE_SQL} THEN f.n ELSE 0 END) AS failures
          FROM hours h CROSS JOIN record_facets f WHERE f.bucket = h.bucket AND ${facetConditions(q, param)}
          GROUP BY ${columns.map((c) => `f.${c}`).join(', ')}`;
}

/** The same read from the records themselves (partial hours, short windows, filters without hourly counts). */
export function directKeyCodeCountsSql(q: Omit<StoreQuery, 'offset' | 'limit'>, param: Param): string {
  return `SELECT coalesce(ak, '') AS ak, result_code, count(*) AS n, sum(CASE WHEN ${FAILURE_SQL} THEN 1 ELSE 0 END) AS failures
          FROM records WHERE ${windowConditions(q, param)} GROUP BY 1, 2`;
}

/** A VDN's duration histograms (`bucket`, `bins`: latency.ts's parseBins) of whole hours, from `record_latency`. */
export function hourHistogramsSql(q: Pick<StoreQuery, 'vdnId'>, fromBucket: number, toBucket: number, param: Param): string {
  const concat = param.dialect === 'sqlite' ? 'group_concat' : 'string_agg';
  return `${hoursCte(fromBucket, toBucket, param)} SELECT l.bucket AS bucket, ${concat}(l.bin || ' ' || l.n, ' ') AS bins
          FROM hours h CROSS JOIN record_latency l WHERE l.bucket = h.bucket AND l.vdn = ${param(q.vdnId)} AND l.n > 0
          GROUP BY l.bucket`;
}

/** Every duration of a window's records (`bucket`, `duration_ms`), in buckets of `bucketMs`. */
export function durationsSql(q: Omit<StoreQuery, 'offset' | 'limit'>, bucketMs: number, param: Param): string {
  return `SELECT (oper_time / ${bucketMs}) * ${bucketMs} AS bucket, duration_ms FROM records
          WHERE ${windowConditions(q, param)} AND duration_ms IS NOT NULL`;
}

/** The same counts read from the records themselves, in buckets of `bucketMs` (for partial hours and short windows). */
export function directUrlCountsSql(q: Omit<StoreQuery, 'offset' | 'limit'>, bucketMs: number, param: Param): string {
  return `SELECT (oper_time / ${bucketMs}) * ${bucketMs} AS bucket, url, count(*) AS n,
            sum(CASE WHEN ${FAILURE_SQL} THEN 1 ELSE 0 END) AS failures
          FROM records WHERE ${windowConditions(q, param)} GROUP BY 1, 2`;
}

/** One record of a VDN by its key (receive time and id): a primary-key probe on both stores. */
export function recordSql(vdnId: number, key: RecordLookup, param: Param): string {
  return `SELECT * FROM records WHERE oper_time = ${param(key.operTimeMs)} AND id = ${param(key.id)} AND vdn = ${param(vdnId)}`;
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

/** One keyset page of a scan: the VDN's records after the cursor that the filter selects, oldest first. */
export function scanPageSql(c: ScanCursor, f: ScanFilter, param: Param): string {
  // The cursor's time as the window's start too: with only the row comparison, SQLite seeks from
  // the window's start and skips every earlier page's rows again (a scan of N rows cost N²/2000).
  const fromMs = Math.max(c.fromMs, c.afterTime);
  const window = windowConditions({ vdnId: c.vdn, fromMs, toMs: c.toMs, url: f.url, outcome: f.outcome, filters: f.filters }, param);
  return `SELECT * FROM records WHERE ${window} AND (oper_time, id) > (${param(c.afterTime)}, ${param(c.afterId)})
          ORDER BY oper_time, id LIMIT ${SCAN_PAGE}`;
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
