import Fastify, { LogController, type FastifyInstance } from 'fastify';
import { readFileSync } from 'node:fs';
import type { KeyStore } from '../auth/key-store.js';
import type { IdGenerator } from '../record/ids.js';
import type { Redactor } from '../record/redact.js';
import type { RecordWriter } from '../record/writer.js';
import type { LogStore } from '../store/types.js';
import type { ServerConfig } from './config.js';
import type { Upstream } from './gateway/upstream.js';
import type { Metrics } from './metrics.js';
import { calllogsMethodPlugin } from './plugins/calllogs.js';
import { consolePlugin } from './plugins/console.js';
import { errorsPlugin } from './plugins/errors.js';
import { metricsPlugin } from './plugins/metrics.js';
import { openapiPlugin } from './plugins/openapi.js';
import { openapiDocumentPlugin } from './plugins/openapi-document.js';
import { opsPlugin } from './plugins/ops.js';
import { recordingPlugin } from './plugins/recording.js';
import { requestStatePlugin } from './request-state.js';

export interface AppParts {
  config: ServerConfig;
  store: LogStore;
  keys: KeyStore;
  writer: RecordWriter;
  ids: IdGenerator;
  redact: Redactor;
  metrics: Metrics;
  /** The gateway's upstream, when `config.upstream` is set. */
  upstream: Upstream | undefined;
}

/** Builds the Fastify application: one plugin per concern, hooks for the cross-cutting work. */
export async function buildApp(parts: AppParts): Promise<FastifyInstance> {
  const { config } = parts;
  const app = Fastify({
    logger: {
      level: config.logLevel,
      redact: { paths: ['req.headers.authorization', 'req.headers.cookie'], remove: true },
    },
    // One log line per request would dominate the hot path; calls are in the records instead.
    logController: new LogController({ disableRequestLogging: true }),
    bodyLimit: config.bodyLimit,
    trustProxy: config.trustProxy,
    // In-flight and keep-alive requests are served to the end during shutdown (and recorded).
    return503OnClosing: false,
    ...(config.tls
      ? { https: { cert: readFileSync(config.tls.cert), key: readFileSync(config.tls.key) } }
      : {}),
  }) as unknown as FastifyInstance;

  // Every body is kept as the bytes received: the signature covers them, and the handlers decide
  // what is acceptable JSON (contract.md §2) rather than a generic parser.
  app.removeAllContentTypeParsers();
  app.addContentTypeParser('*', { parseAs: 'buffer' }, (_request, body, done) => done(null, body));

  await app.register(requestStatePlugin);
  await app.register(errorsPlugin, { bodyLimit: config.bodyLimit });
  await app.register(metricsPlugin, { metrics: parts.metrics });
  if (config.recording) {
    await app.register(recordingPlugin, { writer: parts.writer, ids: parts.ids, redact: parts.redact, metrics: parts.metrics, durable: config.durable });
  }
  await app.register(openapiDocumentPlugin);
  await app.register(opsPlugin, { store: parts.store, writer: parts.writer });
  await app.register(consolePlugin, { timeZone: config.timeZone });
  await app.register(calllogsMethodPlugin);
  await app.register(openapiPlugin, {
    store: parts.store,
    keys: parts.keys,
    timeZone: config.timeZone,
    skewMs: config.skewMs,
    rateLimit: config.rateLimit,
    gateway: config.upstream && parts.upstream ? { upstream: parts.upstream, config: config.upstream, metrics: parts.metrics } : undefined,
  });
  return app;
}
