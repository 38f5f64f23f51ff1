import { BUCKET_MS } from './buckets.js';

/** The key of a facet row (migrations 0004): hour, VDN, url, access key ('' for none), result code, status, method. */
export const FACET_KEY = 'bucket, vdn, url, ak, result_code, http_status, type';

/**
 * SQL (both stores) adding to `record_facets` the records `from` selects — a relation with the
 * records' columns and its WHERE, if any — each counting `sign`. `upsert` false where no facet row
 * can exist yet (a day just made). Rows in key order: concurrent writers lock them in one order.
 */
export function addFacetsSql(from: string, sign: 1 | -1 = 1, upsert = true): string {
  return `INSERT INTO record_facets (${FACET_KEY}, n)
    SELECT (oper_time / ${BUCKET_MS}) * ${BUCKET_MS}, vdn, url, coalesce(ak, ''), result_code, http_status, type, ${sign} * count(*)
    FROM ${from} GROUP BY 1, 2, 3, 4, 5, 6, 7 ORDER BY 1, 2, 3, 4, 5, 6, 7
    ${upsert ? `ON CONFLICT (${FACET_KEY}) DO UPDATE SET n = record_facets.n + excluded.n` : ''}`;
}
