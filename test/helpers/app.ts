import type { FastifyInstance } from 'fastify';
import { KeyStore, type NewKey } from '../../src/auth/key-store.js';
import { createIdGenerator } from '../../src/record/ids.js';
import { createRedactor } from '../../src/record/redact.js';
import { DEFAULT_WRITER_OPTIONS, RecordWriter } from '../../src/record/writer.js';
import { buildApp } from '../../src/server/app.js';
import { defaultConfig, type ServerConfig } from '../../src/server/config.js';
import { createMetrics, type Metrics } from '../../src/server/metrics.js';
import type { LogStore } from '../../src/store/types.js';

export interface RunningApp {
  app: FastifyInstance;
  endpoint: string;
  writer: RecordWriter;
  metrics: Metrics;
  close(): Promise<void>;
}

/**
 * The app on a loopback port over a given store, for tests that put a fault in front of a real
 * store. Keys are created in `keyStore` (the real store's keys); records go to `recordStore`.
 */
export async function startApp(store: LogStore, keyStore: LogStore, keys: NewKey[], config: Partial<ServerConfig> = {}, recordStore: LogStore = keyStore): Promise<RunningApp> {
  const keyRepo = new KeyStore(keyStore.keys, undefined);
  for (const key of keys) await keyRepo.create(key);
  const writer = new RecordWriter(recordStore, config.writer ?? DEFAULT_WRITER_OPTIONS);
  const metrics = createMetrics(() => writer.depth);
  const app = await buildApp({
    config: { ...defaultConfig(), logLevel: 'silent', timeZone: 'UTC', ...config },
    store, keys: keyRepo, writer, ids: createIdGenerator(), redact: createRedactor(),
    metrics, upstream: undefined,
  });
  const endpoint = await app.listen({ host: '127.0.0.1', port: 0 });
  return {
    app, endpoint, writer, metrics,
    close: async () => {
      await app.close();
      await writer.close();
    },
  };
}

/** A view of `store` whose queries fail with `error()` while it returns one. */
export function failingQueries(store: LogStore, error: () => Error | undefined): LogStore {
  return Object.assign(Object.create(store) as LogStore, {
    query: (q: Parameters<LogStore['query']>[0]) => {
      const e = error();
      return e ? Promise.reject(e) : store.query(q);
    },
  });
}
