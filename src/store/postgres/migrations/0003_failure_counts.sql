-- Failed calls per VDN, url and hour beside the calls, for the stats interface and the outcome
-- filter. "Failed" is contract/record.ts isFailure, which this backfill mirrors: HTTP status 400
-- or more, or a result code other than '', '0' and '0200000'.
ALTER TABLE record_counts ADD COLUMN failures BIGINT NOT NULL DEFAULT 0;

CREATE TEMP TABLE failure_counts AS
  SELECT vdn, (oper_time / 3600000) * 3600000 AS bucket, url, count(*) AS f
  FROM records WHERE http_status >= 400 OR result_code NOT IN ('', '0', '0200000')
  GROUP BY 1, 2, 3;
INSERT INTO failure_counts SELECT vdn, bucket, '', sum(f) FROM failure_counts GROUP BY 1, 2;
UPDATE record_counts SET failures = x.f FROM failure_counts x
  WHERE x.vdn = record_counts.vdn AND x.bucket = record_counts.bucket AND x.url = record_counts.url;
DROP TABLE failure_counts;
