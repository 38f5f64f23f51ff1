-- Keyed hour first: a batch's changes fall on the few pages of the current hour, and a window's
-- counts are one index probe per hour (src/store/query-plan.ts, hourCountsSql).
-- Records per VDN, url and hour (bucket = the hour's first epoch millisecond); url '' holds the
-- VDN's total for the hour. Kept in the same transaction as the records, so a window's count
-- sums whole hours and a deep offset jumps to its hour (src/store/buckets.ts).
CREATE TABLE record_counts (
  vdn    INTEGER NOT NULL,
  bucket INTEGER NOT NULL,
  url    TEXT    NOT NULL,
  n      INTEGER NOT NULL,
  PRIMARY KEY (bucket, vdn, url)
) WITHOUT ROWID;

INSERT INTO record_counts (vdn, bucket, url, n)
  SELECT vdn, (oper_time / 3600000) * 3600000, url, count(*) FROM records GROUP BY 1, 2, 3;
INSERT INTO record_counts (vdn, bucket, url, n)
  SELECT vdn, (oper_time / 3600000) * 3600000, '', count(*) FROM records GROUP BY 1, 2;
