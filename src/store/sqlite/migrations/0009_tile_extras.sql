-- The sealed records' fields a proof carries beside the calllogs answer (access key, client address,
-- duration) kept with their leaves, as JSON array text in leaf order (src/store/leaf-tiles.ts,
-- TileExtras), so that a proof splices them as stored instead of building them from the records
-- (a week of the hot VDN: 25 ms of aggregation). NULL: none kept, as retention leaves a tile whose
-- records it removed; it sets a removed record's entries to null in a tile it keeps.
ALTER TABLE log_tiles ADD COLUMN aks TEXT;
ALTER TABLE log_tiles ADD COLUMN client_ips TEXT;
ALTER TABLE log_tiles ADD COLUMN durations TEXT;

-- Tiles sealed before: their records' fields as stored now (null where a record is gone).
UPDATE log_tiles SET
  aks = (SELECT json_group_array(r.ak ORDER BY l.key) FROM json_each(log_tiles.ids) l LEFT JOIN records r ON r.id = l.value),
  client_ips = (SELECT json_group_array(r.client_ip ORDER BY l.key) FROM json_each(log_tiles.ids) l LEFT JOIN records r ON r.id = l.value),
  durations = (SELECT json_group_array(r.duration_ms ORDER BY l.key) FROM json_each(log_tiles.ids) l LEFT JOIN records r ON r.id = l.value)
WHERE max_time >= (SELECT retained_from FROM log_state);
