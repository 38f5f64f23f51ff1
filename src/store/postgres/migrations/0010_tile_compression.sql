-- A seal writes its tile parts' JSON columns (and a quiet log's tile again whole when it fills);
-- pglz compressing them took a third of the seal's COPY, a backlog seal measured per statement.
-- lz4 where the server was built with it (Debian's is), pglz elsewhere. The digests are random
-- bytes: stored as they are, without trying to compress them. Values stored before keep their
-- compression.
ALTER TABLE log_tiles ALTER COLUMN digests SET STORAGE EXTERNAL;
DO $$
BEGIN
  IF EXISTS (SELECT FROM pg_settings WHERE name = 'default_toast_compression' AND 'lz4' = ANY (enumvals)) THEN
    ALTER TABLE log_tiles ALTER COLUMN ids SET COMPRESSION lz4, ALTER COLUMN oper_times SET COMPRESSION lz4,
      ALTER COLUMN aks SET COMPRESSION lz4, ALTER COLUMN client_ips SET COMPRESSION lz4, ALTER COLUMN durations SET COMPRESSION lz4;
  END IF;
END $$;
