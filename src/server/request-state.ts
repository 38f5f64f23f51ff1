import type { FastifyInstance } from 'fastify';
import fp from 'fastify-plugin';
import type { ApiKey } from '../auth/keys.js';
import type { RouteMatch } from '../record/catalog.js';

/** What a request accumulates on its way through the hooks, read back when it is recorded. */
export interface CallResult {
  code: string;
  desc: string;
}

declare module 'fastify' {
  interface FastifyRequest {
    /** Receive time, epoch milliseconds. */
    receivedAt: number;
    /** The key that signed the request, once verified. */
    apiKey: ApiKey | undefined;
    /** The JSON body, once a handler has parsed it. */
    parsedBody: unknown;
    /** The result code and description the answer carries. */
    callResult: CallResult | undefined;
    /** Its catalog interface, once matched (`routeMatchOf`). */
    routeMatch: RouteMatch | undefined;
    /** Its record is queued already (durable mode queues it before the answer leaves). */
    recordQueued: boolean;
  }
}

/** Declares the state above on every request and stamps its receive time first thing. */
export const requestStatePlugin = fp(async (app: FastifyInstance) => {
  app.decorateRequest('receivedAt', 0);
  app.decorateRequest('apiKey', undefined);
  app.decorateRequest('parsedBody', undefined);
  app.decorateRequest('callResult', undefined);
  app.decorateRequest('recordQueued', false);
  app.decorateRequest('routeMatch', undefined);
  app.addHook('onRequest', (request, _reply, done) => {
    request.receivedAt = Date.now();
    done();
  });
});
