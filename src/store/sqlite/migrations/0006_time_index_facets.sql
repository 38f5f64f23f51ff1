-- The time index also carries the facet columns (access key, result code, status, method), so a
-- page under those filters or the outcome is found from the index alone and only its own rows are
-- read from the table: on the 10M benchmark store a page of resultCode + outcome went from reading
-- ~4,000 table rows to none (docs/decisions.md, "Filters").
DROP INDEX records_by_time;
CREATE INDEX records_by_time ON records (vdn, oper_time, id, duration_ms, client_ip, ak, result_code, http_status, type);
