import type { FastifyError, FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import fp from 'fastify-plugin';
import { CalllogsError } from '../../contract/codes.js';
import { errorBodyOf } from '../../contract/response.js';

/** Fastify's own errors that are the caller's doing, as contract codes. */
function fromFastifyError(error: FastifyError, bodyLimit: number): CalllogsError | undefined {
  switch (error.code) {
    case 'FST_ERR_CTP_BODY_TOO_LARGE':
      return new CalllogsError('BODY_TOO_LARGE', `body: must be at most ${bodyLimit} bytes`);
    case 'FST_ERR_CTP_INVALID_MEDIA_TYPE':
      return new CalllogsError('UNSUPPORTED_MEDIA_TYPE', 'Content-Type: must be application/json');
    case 'FST_ERR_CTP_INVALID_CONTENT_LENGTH':
      return new CalllogsError('PARAMETER_ERROR', 'Content-Length: does not match the body');
    case 'FST_ERR_BAD_URL':
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

/**
 * Every failure leaves as a contract error body. Anything unexpected is a 500 whose body says only
 * "internal error"; the log keeps the error's type, code and message, never the stack or request.
 */
export const errorsPlugin = fp(async (app: FastifyInstance, opts: { bodyLimit: number }) => {
  app.setErrorHandler((error: FastifyError, request, reply) => {
    let known = error instanceof CalllogsError ? error : fromFastifyError(error, opts.bodyLimit);
    if (!known) {
      request.log.error({ errType: error.name, errCode: error.code, errMessage: error.message }, 'internal error');
      known = new CalllogsError('INTERNAL', 'internal error');
    }
    return sendError(request, reply, known);
  });

  app.setNotFoundHandler((request, reply) => {
    return sendError(request, reply, new CalllogsError('NOT_FOUND', 'url: no such interface'));
  });
});
