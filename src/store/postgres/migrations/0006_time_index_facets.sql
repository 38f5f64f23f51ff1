-- The time index also carries the facet columns (access key, result code, status, method), so the
-- keys of a page under those filters or the outcome come from an index-only scan (docs/decisions.md,
-- "Filters").
DROP INDEX records_by_time;
CREATE INDEX records_by_time ON records (vdn, oper_time, id) INCLUDE (duration_ms, client_ip, ak, result_code, http_status, type);
