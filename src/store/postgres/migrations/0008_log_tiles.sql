-- A log's leaves in tiles of 256 (src/store/leaf-tiles.ts): one row per 256 consecutive leaves
-- instead of one per leaf, so a seal writes a few rows and a proof reads a few. The last tile of a
-- log may be partial; a seal rewrites it. Each tile keeps its leaves' record ids and receive times
-- as JSON array text (spliced into proofs as it is) and their digests, 32 bytes each.
CREATE TABLE log_tiles (
  vdn        integer NOT NULL,
  tile       bigint  NOT NULL,
  min_time   bigint  NOT NULL,
  max_time   bigint  NOT NULL,
  ids        text    NOT NULL,
  oper_times text    NOT NULL,
  digests    bytea   NOT NULL,
  PRIMARY KEY (vdn, tile)
);
-- A time window's tiles: those whose earliest and latest leaves enclose part of it.
CREATE INDEX log_tiles_by_time ON log_tiles (vdn, max_time, min_time, tile);

INSERT INTO log_tiles (vdn, tile, min_time, max_time, ids, oper_times, digests)
SELECT vdn, idx / 256, min(oper_time), max(oper_time),
       -- Spelled as the sealer writes them (JSON.stringify): no spaces.
       '[' || string_agg(to_json(record_id)::text, ',' ORDER BY idx) || ']', '[' || string_agg(oper_time::text, ',' ORDER BY idx) || ']',
       string_agg(digest, ''::bytea ORDER BY idx)
FROM log_leaves GROUP BY vdn, idx / 256;
DROP TABLE log_leaves;
