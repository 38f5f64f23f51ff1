-- A log's leaves in tiles of 256 (src/store/leaf-tiles.ts) instead of a row per leaf: a full tile is
-- one row, the tile still filling one row per seal that added to it (its parts), replaced by the
-- whole tile when it fills. A seal writes a row per log it adds to, a proof reads a row per 256
-- leaves. Each row keeps its leaves' record ids and receive times as JSON array text (spliced into
-- proofs as it is) and their digests, 32 bytes each.
CREATE TABLE log_tiles (
  vdn        INTEGER NOT NULL,
  first_leaf INTEGER NOT NULL,
  min_time   INTEGER NOT NULL,
  max_time   INTEGER NOT NULL,
  ids        TEXT    NOT NULL,
  oper_times TEXT    NOT NULL,
  digests    BLOB    NOT NULL,
  PRIMARY KEY (vdn, first_leaf)
);
-- A time window's rows: those whose earliest and latest leaves enclose part of it.
CREATE INDEX log_tiles_by_time ON log_tiles (vdn, max_time, min_time, first_leaf);

INSERT INTO log_tiles (vdn, first_leaf, min_time, max_time, ids, oper_times, digests)
SELECT vdn, idx / 256 * 256, min(oper_time), max(oper_time),
       json_group_array(record_id ORDER BY idx), json_group_array(oper_time ORDER BY idx),
       CAST(group_concat(digest, '' ORDER BY idx) AS BLOB)
FROM log_leaves GROUP BY vdn, idx / 256;
DROP TABLE log_leaves;
