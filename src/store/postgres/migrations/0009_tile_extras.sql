-- The sealed records' fields a proof carries beside the calllogs answer (access key, client address,
-- duration) kept with their leaves, as JSON array text in leaf order (src/store/leaf-tiles.ts,
-- TileExtras), so that a proof splices them as stored instead of building them from the records
-- (a week of the hot VDN: 40-75 ms of json_agg). NULL: none kept, as retention leaves a tile whose
-- records it removed; it sets a removed record's entries to null in a tile it keeps.
ALTER TABLE log_tiles ADD COLUMN aks text, ADD COLUMN client_ips text, ADD COLUMN durations text;

-- Tiles sealed before: their records' fields as stored now (null where a record is gone), spelled
-- as the sealer writes them (JSON.stringify: no spaces).
UPDATE log_tiles t SET (aks, client_ips, durations) = (
  SELECT '[' || string_agg(coalesce(to_json(r.ak)::text, 'null'), ',' ORDER BY l.n) || ']',
         '[' || string_agg(coalesce(to_json(r.client_ip)::text, 'null'), ',' ORDER BY l.n) || ']',
         '[' || string_agg(coalesce(to_json(r.duration_ms)::text, 'null'), ',' ORDER BY l.n) || ']'
  FROM ROWS FROM (json_array_elements_text(t.ids::json), json_array_elements_text(t.oper_times::json)) WITH ORDINALITY AS l(id, oper_time, n)
  LEFT JOIN records r ON r.oper_time = l.oper_time::bigint AND r.id = l.id)
WHERE t.max_time >= (SELECT retained_from FROM log_state);
