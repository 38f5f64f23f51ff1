import Fastify, { LogController, type FastifyInstance } from 'fastify';
import { readFileSync } from 'node:fs';
import { CalllogsError } from '../contract/codes.js';
import type { KeyStore } from '../auth/key-store.js';
import type { IdGenerator } from '../record/ids.js';
import type { Redactor } from '../record/redact.js';
import type { RecordWriter } from '../record/writer.js';
import type { LogStore } from '../store/types.js';
import type { ServerConfig } from './config.js';
import { installDirectLane } from './gateway/direct-lane.js';
import type { Upstream } from './gateway/upstream.js';
import type { Metrics } from './metrics.js';
import { calllogsMethodPlugin } from './plugins/calllogs.js';
import { checkpointsPlugin } from './plugins/checkpoints.js';
import { consolePlugin } from './plugins/console.js';
import { clientErrorHandler } from './client-errors.js';
import { doorPlugin } from './plugins/door.js';
import { errorsPlugin, fromFastifyError, sendError } from './plugins/errors.js';
import { metricsPlugin } from './plugins/metrics.js';
import { openapiPlugin } from './plugins/openapi.js';
import { openapiDocumentPlugin } from './plugins/openapi-document.js';
import { opsPlugin } from './plugins/ops.js';
import { recordingPlugin, recordOf } from './plugins/recording.js';
import { requestStatePlugin, routedUrl } from './request-state.js';

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
  const { config, writer, ids, redact } = parts;
  const app = Fastify({
    logger: {
      level: config.logLevel,
      redact: { paths: ['req.headers.authorization', 'req.headers.cookie'], remove: true },
    },
    // One log line per request would dominate the hot path; calls are in the records instead.
    logController: new LogController({ disableRequestLogging: true }),
    bodyLimit: config.bodyLimit,
    // The router sees only targets that have one reading (request-state.ts, door.ts).
    rewriteUrl: (raw) => routedUrl(raw),
    // Parameters are read by our own rules, not cut by the router (a long one would bypass every hook).
    routerOptions: { maxParamLength: 16 * 1024 },
    frameworkErrors: (error, request, reply) =>
      sendError(request, reply, fromFastifyError(error, config.bodyLimit) ?? new CalllogsError('PARAMETER_ERROR', 'request: cannot be routed')),
    clientErrorHandler: clientErrorHandler(config.recording ? (call) => writer.enqueue(recordOf(call, { ids, redact })) : undefined),
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
  await app.register(doorPlugin);
  await app.register(metricsPlugin, { metrics: parts.metrics });
  if (config.recording) {
    await app.register(recordingPlugin, { writer, ids, redact, metrics: parts.metrics, durable: config.durable });
  }
  await app.register(openapiDocumentPlugin);
  await app.register(opsPlugin, { store: parts.store, writer: parts.writer });
  await app.register(checkpointsPlugin, { logs: parts.store.integrity });
  await app.register(consolePlugin, { timeZone: config.timeZone });
  await app.register(calllogsMethodPlugin);
  const gateway = config.upstream && parts.upstream ? { upstream: parts.upstream, config: config.upstream, metrics: parts.metrics } : undefined;
  await app.register(openapiPlugin, {
    store: parts.store,
    keys: parts.keys,
    timeZone: config.timeZone,
    skewMs: config.skewMs,
    rateLimit: config.rateLimit,
    gateway,
  });
  // Rate limits are kept by a Fastify plugin: with them, every call takes the general path.
  if (gateway && config.rateLimit <= 0) {
    installDirectLane(app, {
      forwarding: gateway,
      keys: parts.keys,
      skewMs: config.skewMs,
      bodyLimit: config.bodyLimit,
      trustProxy: config.trustProxy,
      recording: config.recording ? { writer, ids, redact, durable: config.durable } : undefined,
    });
  }
  return app;
}
