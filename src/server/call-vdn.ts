import type { FastifyRequest } from 'fastify';
import { forwardedCallVdn, ownCallVdn } from '../contract/call-vdn.js';

/**
 * How a route's calls name their VDN: `own` for our interfaces (the path, as the contract reads
 * it), `forwarded` for everything an upstream reads (path, query and body: call-vdn.ts).
 */
export type VdnSource = 'own' | 'forwarded';

declare module 'fastify' {
  interface FastifyContextConfig {
    vdnFrom?: VdnSource;
  }
}

function read(request: FastifyRequest): number | null {
  const { path, query, refusal } = request.target;
  if (refusal) return null;
  if (request.routeOptions.config.vdnFrom === 'own') return ownCallVdn(path);
  const body = Buffer.isBuffer(request.body) ? request.body : undefined;
  return forwardedCallVdn({ path, query, contentType: request.headers['content-type'], body });
}

/**
 * The VDN the call acts on, read once: the scope check, the handler and the record all get this
 * answer. Throws the parameter error of a VDN that cannot be read one way only.
 */
export function callVdn(request: FastifyRequest): number | null {
  if (!request.vdnReading) {
    try {
      request.vdnReading = { vdn: read(request) };
    } catch (error) {
      request.vdnReading = { error: error as Error };
    }
  }
  if ('error' in request.vdnReading) throw request.vdnReading.error;
  return request.vdnReading.vdn;
}

/** The VDN a record is kept under: `callVdn`, or none when it cannot be read (refused calls stay out of every tenant's view). */
export function recordedVdn(request: FastifyRequest): number | null {
  try {
    return callVdn(request);
  } catch {
    return null;
  }
}
