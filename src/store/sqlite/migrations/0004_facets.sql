-- Calls per hour, VDN, url, access key, result code, HTTP status and method: a whole hour's count
-- for any filter on those fields (and on the outcome, a function of status and code) is a sum over
-- these rows (src/store/query-plan.ts, hourFacetCountsSql). Kept in the same transaction as the
-- records, like record_counts; '' stands for "no access key". Keyed hour first, like record_counts.
CREATE TABLE record_facets (
  bucket      INTEGER NOT NULL,
  vdn         INTEGER NOT NULL,
  url         TEXT    NOT NULL,
  ak          TEXT    NOT NULL,
  result_code TEXT    NOT NULL,
  http_status INTEGER NOT NULL,
  type        TEXT    NOT NULL,
  n           INTEGER NOT NULL,
  PRIMARY KEY (bucket, vdn, url, ak, result_code, http_status, type)
) WITHOUT ROWID;

INSERT INTO record_facets (bucket, vdn, url, ak, result_code, http_status, type, n)
  SELECT (oper_time / 3600000) * 3600000, vdn, url, coalesce(ak, ''), result_code, http_status, type, count(*)
  FROM records WHERE true GROUP BY 1, 2, 3, 4, 5, 6, 7;

-- The time index also carries each call's duration and client address: the minDurationMs and
-- clientIp filters read a whole window from the index alone.
DROP INDEX records_by_time;
CREATE INDEX records_by_time ON records (vdn, oper_time, id, duration_ms, client_ip);
