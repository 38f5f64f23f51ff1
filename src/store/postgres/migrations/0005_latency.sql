-- Call durations per hour and VDN as a histogram with logarithmic bins (src/store/latency.ts): a
-- whole hour's percentiles for the stats interface, within 2 % of the exact ones. Kept in the same
-- transaction as the records, like record_counts; records without a duration are not counted.
-- The bin expression is latency.ts's LATENCY_BIN_SQL, which every write uses.
CREATE TABLE record_latency (
  bucket bigint NOT NULL,
  vdn    integer NOT NULL,
  bin    integer NOT NULL,
  n      bigint NOT NULL,
  PRIMARY KEY (bucket, vdn, bin)
);

INSERT INTO record_latency (bucket, vdn, bin, n)
  SELECT (oper_time / 3600000) * 3600000, vdn, CASE WHEN duration_ms < 0.001 THEN -100000 ELSE CAST(ceil(ln(duration_ms) / 0.040005334613699206) AS INTEGER) END, count(*)
  FROM records WHERE duration_ms IS NOT NULL GROUP BY 1, 2, 3;
