import type { FastifyBaseLogger } from 'fastify';
import type { IncomingHttpHeaders } from 'node:http';
import { signRequest } from '../../auth/sign-request.js';
import type { CalllogsError } from '../../contract/codes.js';
import type { RequestTarget } from '../../contract/request-target.js';
import { extractResult, RESULT_PREFIX_BYTES } from '../../record/response-result.js';
import type { UpstreamConfig } from '../config.js';
import type { Metrics } from '../metrics.js';
import type { CallResult } from '../request-state.js';
import type { UpstreamAnswer } from './answer-reader.js';
import { forwardedRequestHeaders } from './headers.js';
import { upstreamFailure, type Upstream, type UpstreamCall } from './upstream.js';

/**
 * What every forwarded call goes through, whichever path serves it (the gateway route, or the
 * direct lane of direct-lane.ts): the request the upstream receives, the exchange with it, and
 * the result the call is recorded with.
 */

/** A forwarded answer whose body names no result (not JSON, or no such field). */
const NO_RESULT: CallResult = { code: '', desc: '' };

/** The call as received, as far as the forwarded request is made of it. */
export interface ReceivedCall {
  method: string;
  /** The one reading of the target that the scope check approved. */
  target: RequestTarget;
  headers: IncomingHttpHeaders;
  clientIp: string;
  /** The bytes received whole, or a body still streaming in (then its length is the caller's). */
  body: UpstreamCall['body'];
}

export interface Forwarding {
  upstream: Upstream;
  config: UpstreamConfig;
  metrics: Metrics;
}

/** The target the upstream receives. */
function forwardedUrl({ path, query }: RequestTarget): string {
  return query ? `${path}?${query}` : path;
}

function upstreamHeaders(call: ReceivedCall, forwarding: Forwarding): Record<string, string | string[]> {
  const headers = forwardedRequestHeaders(call.headers, call.clientIp);
  // A streamed body keeps the caller's length, so the upstream is not sent a chunked request.
  const length = call.headers['content-length'];
  if (call.body && !Buffer.isBuffer(call.body) && length) headers['content-length'] = length;
  const { credentials, authMode } = forwarding.config;
  if (authMode !== 'resign' || !credentials) return headers;
  const contentType = call.headers['content-type'];
  // The gateway's own signature over the request as the upstream receives it: its host, our key.
  return {
    ...headers,
    ...signRequest({
      ak: credentials.ak,
      sk: credentials.sk,
      method: call.method,
      url: new URL(forwardedUrl(call.target), forwarding.upstream.origin),
      headers: contentType ? { 'content-type': contentType } : {},
      body: Buffer.isBuffer(call.body) ? call.body : '',
      signedHeaders: ['content-type'],
    }),
  };
}

/**
 * Forwards the call and resolves with the upstream's answer, its first RESULT_PREFIX_BYTES read.
 * A failure is counted, logged (its kind, never addresses or the request) and rejected as the
 * gateway's own answer: 504 for a timeout, else 502.
 */
export async function exchange(call: ReceivedCall, route: string, forwarding: Forwarding, log: FastifyBaseLogger): Promise<UpstreamAnswer> {
  const { upstream, metrics } = forwarding;
  const started = performance.now();
  try {
    const answer = await upstream.forward(
      { method: call.method, url: forwardedUrl(call.target), headers: upstreamHeaders(call, forwarding), body: call.body },
      RESULT_PREFIX_BYTES,
    );
    metrics.upstreamSeconds.observe(route, (answer.headersAt - started) / 1000);
    return answer;
  } catch (error) {
    const failure: CalllogsError = upstreamFailure(error);
    metrics.upstreamFailures.inc({ reason: failure.status === 504 ? 'timeout' : 'unreachable' });
    log.warn({ route, status: failure.status, errCode: (error as { code?: string }).code }, failure.message);
    throw failure;
  }
}

/** The result code and description a forwarded call is recorded with, from its answer's first bytes. */
export function forwardedResult(answer: UpstreamAnswer): CallResult {
  const contentType = answer.headers['content-type'];
  if (typeof contentType !== 'string' || !/\bjson\b/i.test(contentType)) return NO_RESULT;
  return extractResult(answer.prefix.toString('utf8')) ?? NO_RESULT;
}
