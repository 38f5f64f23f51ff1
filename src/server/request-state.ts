import type { FastifyInstance } from 'fastify';
import fp from 'fastify-plugin';
import type { IncomingMessage } from 'node:http';
import type { ApiKey } from '../auth/keys.js';
import { readRequestTarget, type RequestTarget } from '../contract/request-target.js';
import type { RouteMatch } from '../record/catalog.js';

/** What a request accumulates on its way through the hooks, read back when it is recorded. */
export interface CallResult {
  code: string;
  desc: string;
}

/** The call's VDN as read once (call-vdn.ts), or why it cannot be read. */
export type VdnReading = { vdn: number | null } | { error: Error };

declare module 'fastify' {
  interface FastifyRequest {
    /** Receive time, epoch milliseconds. */
    receivedAt: number;
    /** The caller's address (`ip`), read on arrival: a caller that hangs up takes its socket's address with it. */
    clientIp: string;
    /** The request target as read at the door: the only reading of the path any layer uses. */
    readonly target: RequestTarget;
    /** The key that signed the request, once verified. */
    apiKey: ApiKey | undefined;
    /** The JSON body, once a handler has parsed it. */
    parsedBody: unknown;
    /** The result code and description the answer carries. */
    callResult: CallResult | undefined;
    /** Its catalog interface, once matched (`routeMatchOf`). */
    routeMatch: RouteMatch | undefined;
    /** Its VDN, once read (`callVdn`). */
    vdnReading: VdnReading | undefined;
    /** Its record is queued already (durable mode queues it before the answer leaves). */
    recordQueued: boolean;
  }
}

const targets = new WeakMap<IncomingMessage, RequestTarget>();

/**
 * The target of a raw request, read once. Fastify's `rewriteUrl` asks first (before routing), with
 * the URL as received; everything later gets the same object.
 */
export function targetOf(raw: IncomingMessage): RequestTarget {
  let target = targets.get(raw);
  if (!target) {
    target = readRequestTarget((raw as IncomingMessage & { originalUrl?: string }).originalUrl ?? raw.url ?? '');
    targets.set(raw, target);
  }
  return target;
}

/** Where a refused target is routed: a path no route serves, so that no handler ever sees it. */
const UNROUTED = '/';

/**
 * Fastify's `rewriteUrl`: the router sees a path only when it has one reading; a refused one goes
 * nowhere and is answered by `requestStatePlugin`'s first hook.
 */
export function routedUrl(raw: IncomingMessage): string {
  return targetOf(raw).refusal ? UNROUTED : raw.url ?? UNROUTED;
}

/** Declares the state above on every request and stamps its receive time and address first thing. */
export const requestStatePlugin = fp(async (app: FastifyInstance) => {
  app.decorateRequest('receivedAt', 0);
  app.decorateRequest('clientIp', '');
  app.decorateRequest('target', {
    getter(this: { raw: IncomingMessage }) {
      return targetOf(this.raw);
    },
  });
  app.decorateRequest('apiKey', undefined);
  app.decorateRequest('parsedBody', undefined);
  app.decorateRequest('callResult', undefined);
  app.decorateRequest('recordQueued', false);
  app.decorateRequest('routeMatch', undefined);
  app.decorateRequest('vdnReading', undefined);
  app.addHook('onRequest', (request, _reply, done) => {
    request.receivedAt = Date.now();
    request.clientIp = request.ip;
    done();
  });
});
