import { join } from 'node:path';
import { request } from 'undici';
import { KeyStore } from '../../src/auth/key-store.js';
import { signRequest } from '../../src/auth/sign-request.js';
import { defaultConfig, type ServerConfig } from '../../src/server/config.js';
import { startServer, type RunningServer } from '../../src/server/serve.js';
import { tempDir } from './tmp.js';

export interface Key {
  ak: string;
  sk: string;
}

export interface TestServer extends RunningServer {
  /** The all-VDN key created on first start. */
  key: Key;
  keys: KeyStore;
  dbPath: string;
}

/** A real server on a loopback port over a fresh SQLite file. */
export async function startTestServer(overrides: Partial<ServerConfig> = {}): Promise<TestServer> {
  const dbPath = overrides.db ?? join(tempDir(), 'calllogs.db');
  const config: ServerConfig = { ...defaultConfig(), port: 0, logLevel: 'silent', timeZone: 'UTC', ...overrides, db: dbPath };
  const server = await startServer(config);
  if (!server.bootstrapped) throw new Error('expected a first start');
  return {
    ...server,
    key: { ak: server.bootstrapped.ak, sk: server.bootstrapped.sk },
    keys: new KeyStore(server.store.keys, config.masterKey),
    dbPath,
  };
}

export interface HttpAnswer {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  text: string;
  json: any; // eslint-disable-line @typescript-eslint/no-explicit-any
}

export interface CallOptions {
  method?: string;
  key?: Key;
  headers?: Record<string, string>;
  /** Sent as is; objects are serialized as JSON. */
  body?: unknown;
  timestamp?: Date;
}

/** One HTTP call, signed with `key` when given. */
export async function call(endpoint: string, path: string, options: CallOptions = {}): Promise<HttpAnswer> {
  const method = options.method ?? 'POST';
  const body =
    options.body === undefined ? undefined : typeof options.body === 'string' || options.body instanceof Uint8Array
      ? options.body : JSON.stringify(options.body);
  let headers: Record<string, string> = { 'content-type': 'application/json; charset=UTF-8', ...options.headers };
  if (options.key) {
    headers = signRequest({ ...options.key, method, url: endpoint + path, headers, body, timestamp: options.timestamp });
  }
  const response = await request(endpoint + path, { method: method as 'POST', headers, body });
  const text = await response.body.text();
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch {
    json = undefined;
  }
  return { status: response.statusCode, headers: response.headers, text, json };
}

export const calllogsPath = (vdn: number | string) => `/rest/isales/v1/openapi/campaigns/${vdn}/calllogs`;

export function queryBody(overrides: Record<string, unknown> = {}): Record<string, unknown> {
  return { offset: 0, limit: 100, beginTime: '2022-08-20 00:00:00', endTime: '2022-08-26 23:59:59', ...overrides };
}
