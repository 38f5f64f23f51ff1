import type { FastifyInstance } from 'fastify';
import rateLimit from '@fastify/rate-limit';
import type { KeyStore } from '../../auth/key-store.js';
import { CalllogsError } from '../../contract/codes.js';
import { OPENAPI_PREFIX } from '../../contract/request-target.js';
import type { LogStore } from '../../store/types.js';
import { authenticationHook } from './authentication.js';
import { calllogsRoutes } from './calllogs.js';
import { sendError } from './errors.js';
import { gatewayRoutes, type GatewayOptions } from './gateway.js';

export interface OpenapiOptions {
  store: LogStore;
  keys: KeyStore;
  timeZone: string;
  skewMs: number;
  rateLimit: number;
  /** Forward what no route of ours serves; without it, unknown interfaces are 404. */
  gateway: GatewayOptions | undefined;
}

/** Authentication (C2 signature, VDN scope) and rate limiting for every route of `scope`. */
async function signed(scope: FastifyInstance, options: OpenapiOptions): Promise<void> {
  scope.addHook('preHandler', authenticationHook(options));
  if (options.rateLimit <= 0) return;
  await scope.register(rateLimit, {
    max: options.rateLimit,
    timeWindow: 1000,
    hook: 'preHandler',
    keyGenerator: (request) => request.apiKey?.ak ?? request.ip,
    errorResponseBuilder: (_request, context) =>
      new CalllogsError('RATE_LIMITED', `rate limit: at most ${context.max} requests per second per access key`,
        Math.max(1, Math.ceil(context.ttl / 1000))),
  });
}

/**
 * The interfaces under /rest/isales/: our own (calllogs) always signed; the rest forwarded to the
 * upstream (signed unless the gateway passes signatures through) or, with no upstream, answered
 * 404 after authentication so an anonymous caller learns nothing about which interfaces exist.
 */
export async function openapiPlugin(app: FastifyInstance, options: OpenapiOptions): Promise<void> {
  const { gateway } = options;
  await app.register(async (scope) => {
    await signed(scope, options);
    await calllogsRoutes(scope, options);
    if (!gateway) {
      scope.all(`${OPENAPI_PREFIX}*`, (request, reply) =>
        sendError(request, reply, new CalllogsError('NOT_FOUND', 'url: no such interface')));
    } else if (gateway.config.authMode !== 'passthrough') {
      await gatewayRoutes(scope, gateway);
    }
  });
  if (gateway?.config.authMode === 'passthrough') await app.register(async (scope) => gatewayRoutes(scope, gateway));
}
