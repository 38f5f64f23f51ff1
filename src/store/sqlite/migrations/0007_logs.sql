-- Tamper-evident logs (docs/integrity.md): one RFC 6962 Merkle tree per VDN (0: calls naming none).
-- A leaf keeps its record's id, receive time and digest, so the tree outlives retention.
CREATE TABLE log_leaves (
  vdn        INTEGER NOT NULL,
  idx        INTEGER NOT NULL,
  record_id  TEXT    NOT NULL,
  oper_time  INTEGER NOT NULL,
  digest     BLOB    NOT NULL,
  PRIMARY KEY (vdn, idx)
) WITHOUT ROWID;
-- A time window's leaves, and a record's leaf (by its time, then its id among the few of that millisecond).
CREATE INDEX log_leaves_by_time ON log_leaves (vdn, oper_time);

-- Perfect subtrees of 2^8 leaves and more (log-append.ts): a proof reads them instead of leaves.
CREATE TABLE log_nodes (
  vdn   INTEGER NOT NULL,
  level INTEGER NOT NULL,
  idx   INTEGER NOT NULL,
  hash  BLOB    NOT NULL,
  PRIMARY KEY (vdn, level, idx)
) WITHOUT ROWID;

-- Each log's sealed head (size and frontier) and the latest signed checkpoint kept for it.
CREATE TABLE log_heads (
  vdn             INTEGER PRIMARY KEY,
  size            INTEGER NOT NULL,
  frontier        BLOB    NOT NULL,
  checkpoint      TEXT,
  checkpoint_size INTEGER
);

-- Records up to sealed_rowid are in a log (one writer at a time: rowids commit in order).
CREATE TABLE log_state (
  id            INTEGER PRIMARY KEY CHECK (id = 1),
  sealed_rowid  INTEGER NOT NULL,
  verifier_key  TEXT,
  retained_from INTEGER NOT NULL DEFAULT 0
);
INSERT INTO log_state (id, sealed_rowid) VALUES (1, 0);
