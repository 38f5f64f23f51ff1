-- Calls per hour, VDN, url, access key, result code, HTTP status and method: a whole hour's count
-- for any filter on those fields (and on the outcome, a function of status and code) is a sum over
-- these rows (src/store/query-plan.ts, hourFacetCountsSql). Kept in the same statement as the
-- records, like record_counts; '' stands for "no access key". Keyed hour first, like record_counts.
CREATE TABLE record_facets (
  bucket      bigint           NOT NULL,
  vdn         integer          NOT NULL,
  url         text COLLATE "C" NOT NULL,
  ak          text COLLATE "C" NOT NULL,
  result_code text COLLATE "C" NOT NULL,
  http_status integer          NOT NULL,
  type        text COLLATE "C" NOT NULL,
  n           bigint           NOT NULL,
  PRIMARY KEY (bucket, vdn, url, ak, result_code, http_status, type)
);

INSERT INTO record_facets (bucket, vdn, url, ak, result_code, http_status, type, n)
  SELECT (oper_time / 3600000) * 3600000, vdn, url, coalesce(ak, ''), result_code, http_status, type, count(*)
  FROM records GROUP BY 1, 2, 3, 4, 5, 6, 7;

-- The time index also carries each call's duration and client address: the minDurationMs and
-- clientIp filters read a whole window from the index alone.
DROP INDEX records_by_time;
CREATE INDEX records_by_time ON records (vdn, oper_time, id) INCLUDE (duration_ms, client_ip);
