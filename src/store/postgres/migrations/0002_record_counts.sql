-- Keyed hour first: a batch's changes fall on the few pages of the current hour, and a window's
-- counts are one index probe per hour (src/store/query-plan.ts, hourCountsSql).
-- Records per VDN, url and hour (bucket = the hour's first epoch millisecond); url '' holds the
-- VDN's total for the hour. Kept in the same statement as the records, so a window's count sums
-- whole hours and a deep offset jumps to its hour (src/store/buckets.ts).
CREATE TABLE record_counts (
  vdn    integer          NOT NULL,
  bucket bigint           NOT NULL,
  url    text COLLATE "C" NOT NULL,
  n      bigint           NOT NULL,
  PRIMARY KEY (bucket, vdn, url)
);

INSERT INTO record_counts (vdn, bucket, url, n)
  SELECT vdn, (oper_time / 3600000) * 3600000, url, count(*) FROM records GROUP BY 1, 2, 3;
INSERT INTO record_counts (vdn, bucket, url, n)
  SELECT vdn, (oper_time / 3600000) * 3600000, '', count(*) FROM records GROUP BY 1, 2;
