import type { UrlFilter } from '../contract/query.js';
import type { CallRecord } from '../contract/record.js';
import { BUCKET_MS, TOTAL_URL } from './buckets.js';
import type { ScanFilter, StoreQuery } from './types.js';
import { urlRange } from './url-filter.js';
import { NO_VDN } from './types.js';

/**
 * The WHERE conditions of a query's window and url filter, for either store's SQL: `param`
 * registers a value and returns its placeholder; `table` qualifies the columns.
 */
export function windowConditions(q: Omit<StoreQuery, 'offset' | 'limit'>, param: (value: unknown) => string, table = ''): string {
  const c = (column: string) => (table ? `${table}.${column}` : column);
  const where = [`${c('vdn')} = ${param(q.vdnId)}`, `${c('oper_time')} >= ${param(q.fromMs)}`, `${c('oper_time')} < ${param(q.toMs)}`];
  if (q.url) where.push(urlCondition(q.url, param, c('url')));
  return where.join(' AND ');
}

function urlCondition(url: UrlFilter, param: (value: unknown) => string, column: string): string {
  const range = urlRange(url);
  if (range.exact !== undefined) return `${column} = ${param(range.exact)}`;
  return range.to === undefined ? `${column} >= ${param(range.from)}` : `${column} >= ${param(range.from)} AND ${column} < ${param(range.to)}`;
}

/**
 * The per-hour counts of a query's VDN and url filter between two hours, newest first, from
 * `record_counts` (no filter, or the prefix `""`: the total rows): one index probe per hour, the
 * table being keyed hour first. Works on both stores (recursive CTE over the hours).
 */
export function hourCountsSql(q: Pick<StoreQuery, 'vdnId' | 'url'>, fromBucket: number, toBucket: number, param: (value: unknown) => string): string {
  // Parameters are registered in the order they appear: SQLite's placeholders are positional.
  const hours = `WITH RECURSIVE hours (bucket) AS (SELECT CAST(${param(fromBucket)} AS BIGINT) UNION ALL
    SELECT bucket + ${BUCKET_MS} FROM hours WHERE bucket + ${BUCKET_MS} < ${param(toBucket)})`;
  const vdn = `c.vdn = ${param(q.vdnId)}`;
  const url = !q.url || (q.url.kind === 'prefix' && q.url.value === '') ? `c.url = ${param(TOTAL_URL)}` : urlCondition(q.url, param, 'c.url');
  return `${hours} SELECT h.bucket AS bucket, sum(c.n) AS n FROM hours h JOIN record_counts c ON c.bucket = h.bucket AND ${vdn} AND ${url}
          GROUP BY h.bucket ORDER BY h.bucket DESC`;
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
