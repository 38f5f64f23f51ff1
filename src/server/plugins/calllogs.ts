import type { FastifyInstance } from 'fastify';
import rateLimit from '@fastify/rate-limit';
import type { KeyStore } from '../../auth/key-store.js';
import { CalllogsError, SUCCESS_CODE } from '../../contract/codes.js';
import { parseJsonBody, requireJsonContentType } from '../../contract/body.js';
import { parseVdnId, queryWindow, validateQueryBody } from '../../contract/query.js';
import { toOpenapiLog } from '../../contract/record.js';
import { QUERY_SUCCESS_DESC, queryResponseBody, type QueryResponseBody } from '../../contract/response.js';
import type { LogStore } from '../../store/types.js';
import { authenticationHook } from './authentication.js';
import { sendError } from './errors.js';

export const CALLLOGS_ROUTE = '/rest/isales/v1/openapi/campaigns/:vdnId/calllogs';

export interface CalllogsOptions {
  store: LogStore;
  keys: KeyStore;
  timeZone: string;
  skewMs: number;
  rateLimit: number;
}

/** The vendor's "Querying Interface Invocation Records" interface (contract.md §1–§2). */
export async function calllogsPlugin(app: FastifyInstance, options: CalllogsOptions): Promise<void> {
  // A wrong method is about the interface, not the caller: answered before authentication.
  app.route({
    method: ['GET', 'PUT', 'DELETE', 'PATCH', 'OPTIONS'],
    url: CALLLOGS_ROUTE,
    handler: (request, reply) => {
      reply.header('allow', 'POST');
      return sendError(request, reply, new CalllogsError('METHOD_NOT_ALLOWED', 'method: the interface accepts POST only'));
    },
  });

  await app.register(async (signed) => {
    signed.addHook('preHandler', authenticationHook(options));
    if (options.rateLimit > 0) {
      await signed.register(rateLimit, {
        max: options.rateLimit,
        timeWindow: 1000,
        hook: 'preHandler',
        keyGenerator: (request) => request.apiKey?.ak ?? request.ip,
        errorResponseBuilder: (_request, context) =>
          new CalllogsError('RATE_LIMITED', `rate limit: at most ${context.max} requests per second per access key`,
            Math.max(1, Math.ceil(context.ttl / 1000))),
      });
    }

    signed.post<{ Params: { vdnId: string } }>(CALLLOGS_ROUTE, async (request): Promise<QueryResponseBody> => {
      const vdnId = parseVdnId(request.params.vdnId);
      requireJsonContentType(request.headers['content-type']);
      request.parsedBody = parseJsonBody(Buffer.isBuffer(request.body) ? request.body : Buffer.alloc(0));
      const query = validateQueryBody(vdnId, request.parsedBody);
      const page = await options.store.query({
        vdnId,
        ...queryWindow(query, options.timeZone),
        url: query.url,
        offset: query.offset,
        limit: query.limit,
      });
      request.callResult = { code: SUCCESS_CODE, desc: QUERY_SUCCESS_DESC };
      return queryResponseBody(page.records.map(toOpenapiLog), page.count);
    });
  });
}
