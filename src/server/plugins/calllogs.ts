import type { FastifyInstance } from 'fastify';
import { CalllogsError, SUCCESS_CODE } from '../../contract/codes.js';
import { parseJsonBody, requireJsonContentType } from '../../contract/body.js';
import { parseVdnId, queryWindow, validateQueryBody } from '../../contract/query.js';
import { toOpenapiLog } from '../../contract/record.js';
import { QUERY_SUCCESS_DESC, queryResponseBody, type QueryResponseBody } from '../../contract/response.js';
import type { LogStore } from '../../store/types.js';
import { sendError } from './errors.js';

export const CALLLOGS_ROUTE = '/rest/isales/v1/openapi/campaigns/:vdnId/calllogs';

export interface CalllogsOptions {
  store: LogStore;
  timeZone: string;
}

/** Answers a wrong method before authentication: it is about the interface, not the caller. */
export async function calllogsMethodPlugin(app: FastifyInstance): Promise<void> {
  app.route({
    method: ['GET', 'PUT', 'DELETE', 'PATCH', 'OPTIONS'],
    url: CALLLOGS_ROUTE,
    handler: (request, reply) => {
      reply.header('allow', 'POST');
      return sendError(request, reply, new CalllogsError('METHOD_NOT_ALLOWED', 'method: the interface accepts POST only'));
    },
  });
}

/** The vendor's "Querying Interface Invocation Records" interface (contract.md §1–§2), in the signed scope. */
export async function calllogsRoutes(app: FastifyInstance, options: CalllogsOptions): Promise<void> {
  app.post<{ Params: { vdnId: string } }>(CALLLOGS_ROUTE, async (request): Promise<QueryResponseBody> => {
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
}
