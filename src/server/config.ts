import { DEFAULT_KEY_CACHE_MS } from '../auth/key-store.js';
import { DEFAULT_SKEW_MS } from '../auth/verify.js';
import { processTimeZone } from '../contract/time.js';
import { DEFAULT_REDACTION, type RedactionRules } from '../record/redact.js';
import { DEFAULT_WRITER_OPTIONS, type WriterOptions } from '../record/writer.js';

export interface TlsFiles {
  cert: string;
  key: string;
}

/**
 * How the gateway treats a caller's signature: `verify` checks it against our keys and VDN scopes,
 * then forwards; `passthrough` forwards unchecked (the upstream decides); `resign` checks it, then
 * signs the forwarded request with the gateway's own upstream key.
 */
export type AuthMode = 'verify' | 'passthrough' | 'resign';

export interface UpstreamConfig {
  /** `http(s)://host:port` of the vendor's server. */
  url: string;
  authMode: AuthMode;
  /** The gateway's own key at the upstream (`resign`). */
  credentials: { ak: string; sk: string } | undefined;
  /** PEM bundle trusted for the upstream's certificate (self-signed vendor certificates). */
  caFile: string | undefined;
  connectTimeoutMs: number;
  /** Longest wait for the answer's headers, and between two chunks of its body. */
  timeoutMs: number;
  /** Keep-alive connections to the upstream, at most. */
  connections: number;
}

export interface ServerConfig {
  host: string;
  port: number;
  /** SQLite file path, or a `postgres://` URL. */
  db: string;
  /** PostgreSQL connections per instance. */
  poolSize: number;
  /** Records older than this many days are removed in the background; 0 keeps everything. */
  retentionDays: number;
  /** How often the background upkeep (partitions ahead, retention) runs. */
  upkeepIntervalMs: number;
  /** Folder for records the store cannot take during an outage; default: `spill` beside the data. */
  spillDir: string | undefined;
  /** IANA zone in which `beginTime` / `endTime` are read. */
  timeZone: string;
  tls: TlsFiles | undefined;
  skewMs: number;
  /** Largest accepted request body, bytes. */
  bodyLimit: number;
  /** Requests per second allowed per access key; 0 turns limiting off. */
  rateLimit: number;
  /** How long a key lookup is cached: a disabled or deleted key is refused within this time. */
  keyCacheMs: number;
  /** Encrypts SKs at rest when set. */
  masterKey: string | undefined;
  logLevel: string;
  /** Read the client address from X-Forwarded-For (only behind a trusted proxy). */
  trustProxy: boolean;
  writer: WriterOptions;
  /** Forward calls under /rest/isales/ other than ours to this server (the gateway). */
  upstream: UpstreamConfig | undefined;
  /** Record calls at all (off only to measure the forwarding alone). */
  recording: boolean;
  /** Release a response only once its record has committed (group commit). */
  durable: boolean;
  redaction: RedactionRules;
  integrity: IntegrityConfig;
}

export interface IntegrityConfig {
  /** The checkpoint signing key's file; default: `log-signing-key.json` beside the data. */
  keyFile: string | undefined;
  /** How often new records are sealed into their logs. */
  sealIntervalMs: number;
  /** How often a grown log gets a new signed checkpoint. */
  checkpointIntervalMs: number;
}

export const DEFAULT_UPSTREAM: Omit<UpstreamConfig, 'url'> = {
  authMode: 'verify',
  credentials: undefined,
  caFile: undefined,
  connectTimeoutMs: 5000,
  timeoutMs: 30_000,
  connections: 64,
};

export const DEFAULT_DB = './data/calllogs.db';

export function defaultConfig(): ServerConfig {
  return {
    host: '127.0.0.1',
    port: 8080,
    db: DEFAULT_DB,
    poolSize: 10,
    retentionDays: 0,
    upkeepIntervalMs: 3_600_000,
    spillDir: undefined,
    timeZone: processTimeZone(),
    tls: undefined,
    skewMs: DEFAULT_SKEW_MS,
    bodyLimit: 1024 * 1024,
    rateLimit: 0,
    keyCacheMs: DEFAULT_KEY_CACHE_MS,
    masterKey: undefined,
    logLevel: 'info',
    trustProxy: false,
    writer: DEFAULT_WRITER_OPTIONS,
    upstream: undefined,
    recording: true,
    durable: false,
    redaction: DEFAULT_REDACTION,
    integrity: { keyFile: undefined, sealIntervalMs: 1000, checkpointIntervalMs: 10_000 },
  };
}
