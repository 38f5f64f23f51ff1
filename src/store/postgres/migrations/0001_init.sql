-- Invocation records, range-partitioned by UTC day on the receive time (records_pYYYYMMDD).
-- Partitions are created by the store ahead of time and on demand for any day a batch or an import
-- touches; retention detaches and drops whole days. The primary key includes the partition key
-- (PostgreSQL requires it); ids embed their receive millisecond, so it is as unique as the id.
CREATE TABLE records (
  id          text COLLATE "C" NOT NULL,
  vdn         integer          NOT NULL,   -- 0: the call names no VDN
  oper_time   bigint           NOT NULL,   -- receive time, epoch milliseconds
  url         text COLLATE "C" NOT NULL,   -- byte order, so a prefix is an index range
  request     text             NOT NULL,
  result_code text             NOT NULL,
  result_desc text             NOT NULL,
  http_status integer          NOT NULL,
  type        text             NOT NULL,
  ak          text,
  client_ip   text,
  duration_ms double precision,
  PRIMARY KEY (oper_time, id)
) PARTITION BY RANGE (oper_time);

-- The query's two access paths, in its order; the count and the page's positions come from them.
CREATE INDEX records_by_time ON records (vdn, oper_time, id);
CREATE INDEX records_by_url ON records (vdn, url, oper_time, id);

CREATE TABLE api_keys (
  ak         text    PRIMARY KEY,
  sk         text    NOT NULL,              -- clear text, or sealed with the master key (gcm1:...)
  vdns       text    NOT NULL,              -- JSON array of VDNs, or "all"
  label      text    NOT NULL DEFAULT '',
  disabled   boolean NOT NULL DEFAULT false,
  created_at bigint  NOT NULL
);
