import type { FastifyError, FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import fp from 'fastify-plugin';
import { CalllogsError, CODES } from '../../contract/codes.js';
import { errorBodyOf } from '../../contract/response.js';
import { discardBody } from '../discard-body.js';

/** A caller that hung up while sending its body (its answer is recorded, though nobody reads it). */
export function bodyCutShort(): CalllogsError {
  return new CalllogsError('PARAMETER_ERROR', 'body: the connection closed before the body was complete');
}

/** Fastify's own errors that are the caller's doing, as contract codes. */
export function fromFastifyError(error: FastifyError, bodyLimit: number): CalllogsError | undefined {
  switch (error.code) {
    case 'FST_ERR_CTP_BODY_TOO_LARGE':
      return new CalllogsError('BODY_TOO_LARGE', `body: must be at most ${bodyLimit} bytes`);
    case 'FST_ERR_CTP_INVALID_MEDIA_TYPE':
      return new CalllogsError('UNSUPPORTED_MEDIA_TYPE', 'Content-Type: must be application/json');
    case 'FST_ERR_CTP_INVALID_CONTENT_LENGTH':
      return new CalllogsError('PARAMETER_ERROR', 'Content-Length: does not match the body');
    case 'FST_ERR_BAD_URL':
    case 'FST_ERR_MAX_PARAM_LENGTH':
      return new CalllogsError('PARAMETER_ERROR', 'url: is not a valid request path');
    default:
      return undefined;
  }
}

export function sendError(request: FastifyRequest, reply: FastifyReply, error: CalllogsError): FastifyReply {
  request.callResult = { code: error.code, desc: error.message };
  if (error.retryAfter !== undefined) reply.header('retry-after', String(error.retryAfter));
  return reply.code(error.status).send(errorBodyOf(error));
}

/** An over-limit body is read on, up to this many times the limit, before its 413 is sent. */
const DISCARD_FACTOR = 8;
const DISCARD_MS = 5000;

/**
 * Every failure leaves as a contract error body. Anything unexpected is a 500 whose body says only
 * "internal error"; the log keeps the error's type, code and message, never the stack or request.
 * A 413 waits until the caller has finished sending (within a bound), so that it can be read.
 */
export const errorsPlugin = fp(async (app: FastifyInstance, opts: { bodyLimit: number }) => {
  app.setErrorHandler(async (error: FastifyError, request, reply) => {
    let known = error instanceof CalllogsError ? error : fromFastifyError(error, opts.bodyLimit);
    if (!known) {
      request.log.error({ errType: error.name, errCode: error.code, errMessage: error.message }, 'internal error');
      known = new CalllogsError('INTERNAL', 'internal error');
    }
    if (known.code === CODES.BODY_TOO_LARGE.code) {
      await discardBody(request.raw, { maxBytes: DISCARD_FACTOR * opts.bodyLimit, maxMs: DISCARD_MS });
    }
    return sendError(request, reply, known);
  });

  app.setNotFoundHandler((request, reply) => {
    return sendError(request, reply, new CalllogsError('NOT_FOUND', 'url: no such interface'));
  });
});
