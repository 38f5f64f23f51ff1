-- A log's leaves in tiles of 256 (src/store/leaf-tiles.ts): one row per 256 consecutive leaves
-- instead of one per leaf, so a seal writes a few rows under the write lock and a proof reads a few.
-- The last tile of a log may be partial; a seal rewrites it. Each tile keeps its leaves' record ids
-- and receive times as JSON array text (spliced into proofs as it is) and their digests, 32 bytes each.
CREATE TABLE log_tiles (
  vdn        INTEGER NOT NULL,
  tile       INTEGER NOT NULL,
  min_time   INTEGER NOT NULL,
  max_time   INTEGER NOT NULL,
  ids        TEXT    NOT NULL,
  oper_times TEXT    NOT NULL,
  digests    BLOB    NOT NULL,
  PRIMARY KEY (vdn, tile)
);
-- A time window's tiles: those whose earliest and latest leaves enclose part of it.
CREATE INDEX log_tiles_by_time ON log_tiles (vdn, max_time, min_time, tile);

INSERT INTO log_tiles (vdn, tile, min_time, max_time, ids, oper_times, digests)
SELECT vdn, idx / 256, min(oper_time), max(oper_time),
       json_group_array(record_id ORDER BY idx), json_group_array(oper_time ORDER BY idx),
       CAST(group_concat(digest, '' ORDER BY idx) AS BLOB)
FROM log_leaves GROUP BY vdn, idx / 256;
DROP TABLE log_leaves;
