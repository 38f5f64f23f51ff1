import { BUCKET_MS } from './buckets.js';
import { LATENCY_BIN_SQL } from './latency.js';

/**
 * Hourly tallies kept beside `record_counts` in the same transaction as the records (migrations
 * 0004 and 0005), each a count of records per key:
 * - `record_facets`: hour, VDN, url, access key ('' for none), result code, status, method;
 * - `record_latency`: hour, VDN and duration bin (latency.ts), of the records with a duration.
 */
const TALLIES = {
  record_facets: {
    key: 'bucket, vdn, url, ak, result_code, http_status, type',
    of: `(oper_time / ${BUCKET_MS}) * ${BUCKET_MS}, vdn, url, coalesce(ak, ''), result_code, http_status, type`,
    only: 'true',
  },
  record_latency: {
    key: 'bucket, vdn, bin',
    of: `(oper_time / ${BUCKET_MS}) * ${BUCKET_MS}, vdn, ${LATENCY_BIN_SQL}`,
    only: 'duration_ms IS NOT NULL',
  },
} as const;

export type Tally = keyof typeof TALLIES;
export const TALLY_TABLES = Object.keys(TALLIES) as Tally[];

/**
 * SQL (both stores) adding to a tally the records `from` selects (a relation with the records'
 * columns, then `WHERE` and its conditions, or none), each counting `sign`. `upsert` false where no
 * row can exist yet (a day just made). Rows in key order: concurrent writers lock them in one order.
 */
export function addTallySql(table: Tally, from: string, sign: 1 | -1 = 1, upsert = true): string {
  const { key, of, only } = TALLIES[table];
  const where = /\bWHERE\b/i.test(from) ? `${from} AND ${only}` : `${from} WHERE ${only}`;
  const columns = key.split(', ').map((_, i) => i + 1).join(', ');
  return `INSERT INTO ${table} (${key}, n)
    SELECT ${of}, ${sign} * count(*) FROM ${where} GROUP BY ${columns} ORDER BY ${columns}
    ${upsert ? `ON CONFLICT (${key}) DO UPDATE SET n = ${table}.n + excluded.n` : ''}`;
}
