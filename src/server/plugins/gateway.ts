import type { FastifyInstance, FastifyRequest } from 'fastify';
import { Readable } from 'node:stream';
import { signRequest } from '../../auth/sign-request.js';
import { RECORDED_PREFIX } from '../../contract/request-target.js';
import { MAX_REQUEST_BYTES } from '../../record/request-params.js';
import { extractResult, RESULT_PREFIX_BYTES } from '../../record/response-result.js';
import type { UpstreamConfig } from '../config.js';
import { readPrefix } from '../gateway/body-prefix.js';
import { endToEndHeaders, forwardedRequestHeaders } from '../gateway/headers.js';
import { teeRequestBody, type TeedBody } from '../gateway/request-tee.js';
import { upstreamFailure, type Upstream } from '../gateway/upstream.js';
import type { Metrics } from '../metrics.js';
import { routeLabel } from './metrics.js';

export interface GatewayOptions {
  upstream: Upstream;
  config: UpstreamConfig;
  metrics: Metrics;
}

/** A forwarded answer whose body names no result (not JSON, or no such field). */
const NO_RESULT = { code: '', desc: '' };

function isJson(contentType: string | string[] | undefined): boolean {
  return typeof contentType === 'string' && /\bjson\b/i.test(contentType);
}

/** The target the upstream receives: the one reading of it that the scope check approved. */
function forwardedUrl(request: FastifyRequest): string {
  const { path, query } = request.target;
  return query ? `${path}?${query}` : path;
}

function upstreamHeaders(request: FastifyRequest, options: GatewayOptions, body: Buffer | undefined): Record<string, string | string[]> {
  const headers = forwardedRequestHeaders(request.headers, request.ip);
  // A streamed body keeps the caller's length, so the upstream is not sent a chunked request.
  const length = request.headers['content-length'];
  if (request.body instanceof Readable && length) headers['content-length'] = length;
  const { credentials } = options.config;
  if (options.config.authMode !== 'resign' || !credentials) return headers;
  const contentType = request.headers['content-type'];
  // The gateway's own signature over the request as the upstream receives it: its host, our key.
  return {
    ...headers,
    ...signRequest({
      ak: credentials.ak,
      sk: credentials.sk,
      method: request.method,
      url: new URL(forwardedUrl(request), options.upstream.origin),
      headers: contentType ? { 'content-type': contentType } : {},
      body: body ?? '',
      signedHeaders: ['content-type'],
    }),
  };
}

/**
 * Passthrough checks no signature, so nothing needs the whole body first: it streams to the
 * upstream as it arrives (any size; the upstream decides), only its first bytes kept for the record.
 */
function streamRequestBodies(scope: FastifyInstance): void {
  scope.removeAllContentTypeParsers();
  scope.addContentTypeParser('*', (_request, payload, done) => done(null, payload));
}

/**
 * What the record keeps of a streamed body: the bytes when they all passed (read like any body,
 * its VDN included), else the first ones as text (then capped and marked).
 */
function keepStreamedBody(request: FastifyRequest, teed: TeedBody): void {
  const { bytes, complete } = teed.prefix();
  if (bytes.length === 0) request.body = undefined;
  else if (complete) request.body = bytes;
  else request.parsedBody = bytes.toString('utf8');
}

/**
 * Forwards every call under /rest/isales/ that no route of ours serves to the upstream and returns
 * its status, end-to-end headers and body unchanged. The body streams through; only its first
 * RESULT_PREFIX_BYTES are held, to read the result code the call is recorded with.
 */
export async function gatewayRoutes(app: FastifyInstance, options: GatewayOptions): Promise<void> {
  const { upstream, metrics } = options;
  if (options.config.authMode === 'passthrough') streamRequestBodies(app);
  app.all(`${RECORDED_PREFIX}*`, async (request, reply) => {
    const buffered = Buffer.isBuffer(request.body) && request.body.length > 0 ? request.body : undefined;
    const teed = request.body instanceof Readable ? teeRequestBody(request.body, MAX_REQUEST_BYTES + 1) : undefined;
    const body = teed?.body ?? buffered;
    const route = routeLabel(request);
    const started = performance.now();
    let answer;
    let content;
    try {
      answer = await upstream.forward({ method: request.method, url: forwardedUrl(request), headers: upstreamHeaders(request, options, buffered), body });
      metrics.upstreamSeconds.observe({ route }, (performance.now() - started) / 1000);
      content = await readPrefix(answer.body, RESULT_PREFIX_BYTES);
    } catch (error) {
      const failure = upstreamFailure(error);
      metrics.upstreamFailures.inc({ reason: failure.status === 504 ? 'timeout' : 'unreachable' });
      request.log.warn({ route, status: failure.status, errCode: (error as { code?: string }).code }, failure.message);
      throw failure;
    } finally {
      if (teed) keepStreamedBody(request, teed);
    }
    request.callResult = isJson(answer.headers['content-type'])
      ? extractResult(content.prefix.toString('utf8')) ?? NO_RESULT
      : NO_RESULT;
    reply.code(answer.status).headers(endToEndHeaders(answer.headers));
    return reply.send(content.body);
  });
}
