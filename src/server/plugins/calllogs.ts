import type { FastifyInstance, FastifyRequest } from 'fastify';
import { CalllogsError, SUCCESS_CODE } from '../../contract/codes.js';
import { parseJsonBody, requireJsonContentType } from '../../contract/body.js';
import { parseVdnId, queryWindow, validateQueryBody } from '../../contract/query.js';
import { toOpenapiLog } from '../../contract/record.js';
import { QUERY_SUCCESS_DESC, queryResponseBody, type QueryResponseBody } from '../../contract/response.js';
import { NO_VDN, type LogStore } from '../../store/types.js';
import { sendError } from './errors.js';

export const CALLLOGS_ROUTE = '/rest/isales/v1/openapi/campaigns/:vdnId/calllogs';
/** Our extension: the same query over calls that named no VDN, for all-VDN keys. */
export const CALLLOGS_NO_VDN_ROUTE = '/rest/isales/v1/openapi/calllogs';

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

/** Validates the body (contract.md §1–§2) and answers one page of the VDN's records. */
async function answerQuery(request: FastifyRequest, vdnId: number, options: CalllogsOptions): Promise<QueryResponseBody> {
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
}

/** The vendor's "Querying Interface Invocation Records" interface, in the signed scope. */
export async function calllogsRoutes(app: FastifyInstance, options: CalllogsOptions): Promise<void> {
  app.post<{ Params: { vdnId: string } }>(CALLLOGS_ROUTE, (request) => answerQuery(request, parseVdnId(request.params.vdnId), options));
  app.post(CALLLOGS_NO_VDN_ROUTE, (request) => {
    if (request.apiKey?.vdns !== 'all') {
      throw new CalllogsError('FORBIDDEN', 'vdnId: calls that name no VDN are visible to all-VDN keys only');
    }
    return answerQuery(request, NO_VDN, options);
  });
}
