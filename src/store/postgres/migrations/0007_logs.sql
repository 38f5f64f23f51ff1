-- Tamper-evident logs (docs/integrity.md): one RFC 6962 Merkle tree per VDN (0: calls naming none).
-- A record's writing transaction orders it for sealing: every transaction below the oldest one still
-- running has ended, so its rows are visible now or never; a transaction that commits late still
-- has its rows sealed, after the ones sealed before it ended. Rows older than this migration sort
-- first (transaction 0), in id order.
ALTER TABLE records ADD COLUMN seal_txid xid8;
UPDATE records SET seal_txid = '0';
ALTER TABLE records ALTER COLUMN seal_txid SET DEFAULT pg_current_xact_id();
ALTER TABLE records ALTER COLUMN seal_txid SET NOT NULL;
CREATE INDEX records_by_seal ON records (seal_txid, id);

-- A leaf keeps its record's id, receive time and digest, so the tree outlives retention.
CREATE TABLE log_leaves (
  vdn       integer          NOT NULL,
  idx       bigint           NOT NULL,
  record_id text COLLATE "C" NOT NULL,
  oper_time bigint           NOT NULL,
  digest    bytea            NOT NULL,
  PRIMARY KEY (vdn, idx)
);
-- A time window's leaves, and a record's leaf (by its time, then its id among the few of that millisecond).
CREATE INDEX log_leaves_by_time ON log_leaves (vdn, oper_time);

-- Perfect subtrees of 2^8 leaves and more (log-append.ts): a proof reads them instead of leaves.
CREATE TABLE log_nodes (
  vdn   integer NOT NULL,
  level integer NOT NULL,
  idx   bigint  NOT NULL,
  hash  bytea   NOT NULL,
  PRIMARY KEY (vdn, level, idx)
);

-- Each log's sealed head (size and frontier) and the latest signed checkpoint kept for it.
CREATE TABLE log_heads (
  vdn             integer PRIMARY KEY,
  size            bigint  NOT NULL,
  frontier        bytea   NOT NULL,
  checkpoint      text,
  checkpoint_size bigint
);

-- The sealer's position: every record at or before (sealed_txid, sealed_id) is in a log.
CREATE TABLE log_state (
  id            integer PRIMARY KEY CHECK (id = 1),
  sealed_txid   xid8             NOT NULL DEFAULT '0',
  sealed_id     text COLLATE "C" NOT NULL DEFAULT '',
  verifier_key  text,
  retained_from bigint           NOT NULL DEFAULT 0
);
INSERT INTO log_state (id) VALUES (1);
