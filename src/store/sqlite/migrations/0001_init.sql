-- Invocation records. The rowid table keeps the (possibly 64 KiB) request text out of the indexes;
-- the two covering indexes serve the query's window and url filters in its order, so a page and its
-- count are read from the index alone and only the page's rows are fetched.
CREATE TABLE records (
  id          TEXT    NOT NULL UNIQUE,
  vdn         INTEGER NOT NULL,          -- 0: the call names no VDN
  oper_time   INTEGER NOT NULL,          -- receive time, epoch milliseconds
  url         TEXT    NOT NULL,
  request     TEXT    NOT NULL,
  result_code TEXT    NOT NULL,
  result_desc TEXT    NOT NULL,
  http_status INTEGER NOT NULL,
  type        TEXT    NOT NULL,
  ak          TEXT,
  client_ip   TEXT,
  duration_ms REAL
);
CREATE INDEX records_by_time ON records (vdn, oper_time, id);
CREATE INDEX records_by_url ON records (vdn, url, oper_time, id);

CREATE TABLE api_keys (
  ak         TEXT    PRIMARY KEY,
  sk         TEXT    NOT NULL,           -- clear text, or sealed with the master key (gcm1:...)
  vdns       TEXT    NOT NULL,           -- JSON array of VDNs, or "all"
  label      TEXT    NOT NULL DEFAULT '',
  disabled   INTEGER NOT NULL DEFAULT 0,
  created_at INTEGER NOT NULL
);
