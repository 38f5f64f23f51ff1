import type { FastifyInstance } from 'fastify';
import fp from 'fastify-plugin';
import { reroutingHeaderRefusal } from '../../contract/request-target.js';
import { sendError } from './errors.js';

/**
 * Answers, before anything else reads it, a request that could be read in more than one way: a
 * refused target (request-target.ts) or a header that re-routes the call. Its record is kept like
 * any other answer's.
 */
export const doorPlugin = fp(async (app: FastifyInstance) => {
  app.addHook('onRequest', (request, reply, done) => {
    const refusal = request.target.refusal ?? reroutingHeaderRefusal(request.headers);
    if (!refusal) return done();
    sendError(request, reply, refusal);
  });
});
