import type { FastifyInstance } from 'fastify';
import rateLimit from '@fastify/rate-limit';
import type { KeyStore } from '../../auth/key-store.js';
import { CalllogsError } from '../../contract/codes.js';
import { OPENAPI_PREFIX } from '../../record/catalog.js';
import type { LogStore } from '../../store/types.js';
import { authenticationHook } from './authentication.js';
import { calllogsRoutes } from './calllogs.js';
import { sendError } from './errors.js';

export interface OpenapiOptions {
  store: LogStore;
  keys: KeyStore;
  timeZone: string;
  skewMs: number;
  rateLimit: number;
}

/**
 * Every interface under /rest/isales/v1/openapi/: each call is authenticated (C2 signature, VDN
 * scope) and rate-limited before its route runs; a path no route serves is then a 404.
 */
export async function openapiPlugin(app: FastifyInstance, options: OpenapiOptions): Promise<void> {
  app.addHook('preHandler', authenticationHook(options));
  if (options.rateLimit > 0) {
    await app.register(rateLimit, {
      max: options.rateLimit,
      timeWindow: 1000,
      hook: 'preHandler',
      keyGenerator: (request) => request.apiKey?.ak ?? request.ip,
      errorResponseBuilder: (_request, context) =>
        new CalllogsError('RATE_LIMITED', `rate limit: at most ${context.max} requests per second per access key`,
          Math.max(1, Math.ceil(context.ttl / 1000))),
    });
  }
  await calllogsRoutes(app, options);
  app.all(`${OPENAPI_PREFIX}*`, (request, reply) =>
    sendError(request, reply, new CalllogsError('NOT_FOUND', 'url: no such interface')));
}
