import type { FastifyInstance, FastifyRequest } from 'fastify';
import { Readable } from 'node:stream';
import { RECORDED_PREFIX } from '../../contract/request-target.js';
import { MAX_REQUEST_BYTES } from '../../record/request-params.js';
import { exchange, forwardedResult, type Forwarding } from '../gateway/forwarding.js';
import { endToEndHeaders } from '../gateway/headers.js';
import { teeRequestBody, type TeedBody } from '../gateway/request-tee.js';
import { routeLabel } from './metrics.js';

export type GatewayOptions = Forwarding;

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
 * bytes are held, to read the result code the call is recorded with. (The calls the direct lane
 * takes never reach this route: direct-lane.ts.)
 */
export async function gatewayRoutes(app: FastifyInstance, options: GatewayOptions): Promise<void> {
  if (options.config.authMode === 'passthrough') streamRequestBodies(app);
  app.all(`${RECORDED_PREFIX}*`, async (request, reply) => {
    const buffered = Buffer.isBuffer(request.body) && request.body.length > 0 ? request.body : undefined;
    const teed = request.body instanceof Readable ? teeRequestBody(request.body, MAX_REQUEST_BYTES + 1) : undefined;
    let answer;
    try {
      answer = await exchange(
        { method: request.method, target: request.target, headers: request.headers, clientIp: request.clientIp, body: teed?.body ?? buffered },
        routeLabel(request), options, request.log,
      );
    } finally {
      if (teed) keepStreamedBody(request, teed);
    }
    request.callResult = forwardedResult(answer);
    reply.code(answer.status).headers(endToEndHeaders(answer.headers));
    return reply.send(answer.body);
  });
}
