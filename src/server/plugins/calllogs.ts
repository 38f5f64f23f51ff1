import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { CalllogsError, SUCCESS_CODE } from '../../contract/codes.js';
import { parseJsonBody, requireJsonContentType } from '../../contract/body.js';
import { queryWindow, validateQueryBody, validateStatsBody } from '../../contract/query.js';
import { STATS_SUCCESS_DESC, statsBucketMs, statsResponseBody, type StatsResponseBody } from '../../contract/stats.js';
import { PROOF_SUCCESS_DESC, proofResponseBytes, validateProofBody } from '../../contract/proof.js';
import { toOpenapiLog } from '../../contract/record.js';
import { RECORD_SUCCESS_DESC, recordResponseBody, validateRecordBody, type RecordResponseBody } from '../../contract/record-lookup.js';
import { QUERY_SUCCESS_DESC, queryResponseBody, type QueryResponseBody } from '../../contract/response.js';
import { buildProof } from '../../integrity/proofs.js';
import { NO_VDN, type LogStore } from '../../store/types.js';
import { callVdn } from '../call-vdn.js';
import { sendError } from './errors.js';

export const CALLLOGS_ROUTE = '/rest/isales/v1/openapi/campaigns/:vdnId/calllogs';
/** Our extension: calls and failures over a window (contract/stats.ts). */
export const STATS_ROUTE = '/rest/isales/v1/openapi/campaigns/:vdnId/calllogs/stats';
/** Our extension: one record with what the store keeps beyond the seed's fields (contract/record-lookup.ts). */
export const RECORD_ROUTE = '/rest/isales/v1/openapi/campaigns/:vdnId/calllogs/record';
/** Our extension: the proof of the VDN's tamper-evident log for a window or leaf range (contract/proof.ts). */
export const PROOF_ROUTE = '/rest/isales/v1/openapi/campaigns/:vdnId/calllogs/proof';
/** Our extension: the same query over calls that named no VDN, for all-VDN keys. */
export const CALLLOGS_NO_VDN_ROUTE = '/rest/isales/v1/openapi/calllogs';

/** Our interfaces read their VDN from the path only (call-vdn.ts): extra body fields are ignored (contract.md §1). */
const OWN = { vdnFrom: 'own' } as const;

export interface CalllogsOptions {
  store: LogStore;
  timeZone: string;
}

/**
 * Answers a wrong method on our interfaces before authentication: it is about the interface, not
 * the caller (and a gateway must not forward it).
 */
export async function calllogsMethodPlugin(app: FastifyInstance): Promise<void> {
  for (const url of [CALLLOGS_ROUTE, STATS_ROUTE, RECORD_ROUTE, PROOF_ROUTE, CALLLOGS_NO_VDN_ROUTE]) {
    app.route({
      method: ['GET', 'PUT', 'DELETE', 'PATCH', 'OPTIONS'],
      url,
      config: OWN,
      handler: (request, reply) => {
        reply.header('allow', 'POST');
        return sendError(request, reply, new CalllogsError('METHOD_NOT_ALLOWED', 'method: the interface accepts POST only'));
      },
    });
  }
}

/** The body as JSON, after the content type (contract.md §2's order). */
function jsonBody(request: FastifyRequest): unknown {
  requireJsonContentType(request.headers['content-type']);
  request.parsedBody = parseJsonBody(Buffer.isBuffer(request.body) ? request.body : Buffer.alloc(0));
  return request.parsedBody;
}

/** Validates the body (contract.md §1–§2) and answers one page of the VDN's records. */
async function answerQuery(request: FastifyRequest, vdnId: number, options: CalllogsOptions): Promise<QueryResponseBody> {
  const query = validateQueryBody(vdnId, jsonBody(request));
  const page = await options.store.query({
    vdnId,
    ...queryWindow(query, options.timeZone),
    url: query.url,
    outcome: query.outcome,
    filters: query.filters,
    offset: query.offset,
    limit: query.limit,
  });
  request.callResult = { code: SUCCESS_CODE, desc: QUERY_SUCCESS_DESC };
  return queryResponseBody(page.records.map(toOpenapiLog), page.count);
}

/** Calls and failures per bucket and the top interfaces, from the same count structures as the query. */
async function answerStats(request: FastifyRequest, vdnId: number, options: CalllogsOptions): Promise<StatsResponseBody> {
  const query = validateStatsBody(vdnId, jsonBody(request));
  const window = queryWindow(query, options.timeZone);
  const bucketMs = statsBucketMs(window);
  const stats = await options.store.stats({ vdnId, ...window, url: query.url, outcome: query.outcome, filters: query.filters, bucketMs });
  request.callResult = { code: SUCCESS_CODE, desc: STATS_SUCCESS_DESC };
  return statsResponseBody(bucketMs, stats.buckets, stats.urls, stats.aks, stats.resultCodes);
}

/** One record of the VDN by its key (null when the VDN has none such). */
async function answerRecord(request: FastifyRequest, vdnId: number, options: CalllogsOptions): Promise<RecordResponseBody> {
  const record = await options.store.findRecord(vdnId, validateRecordBody(jsonBody(request)));
  request.callResult = { code: SUCCESS_CODE, desc: RECORD_SUCCESS_DESC };
  return recordResponseBody(record);
}

/** The proof of the VDN's log for a window (read in the server's zone) or a leaf range: a ProofResponseBody, in JSON. */
async function answerProof(request: FastifyRequest, reply: FastifyReply, vdnId: number, options: CalllogsOptions): Promise<Buffer> {
  const selection = validateProofBody(jsonBody(request));
  const leaves = selection.kind === 'window' ? { window: queryWindow(selection.window, options.timeZone) } : selection;
  const proof = await buildProof(options.store.integrity, vdnId, leaves, { fromTreeSize: selection.fromTreeSize });
  request.callResult = { code: SUCCESS_CODE, desc: PROOF_SUCCESS_DESC };
  reply.type('application/json; charset=utf-8');
  const answer = proofResponseBytes(proof);
  return Buffer.from(answer.buffer, answer.byteOffset, answer.length);
}

/** The vendor's "Querying Interface Invocation Records" interface and our extensions, in the signed scope. */
export async function calllogsRoutes(app: FastifyInstance, options: CalllogsOptions): Promise<void> {
  // The scope check has read the VDN (callVdn): the handler answers for that one and no other.
  app.post(CALLLOGS_ROUTE, { config: OWN }, (request) => answerQuery(request, callVdn(request)!, options));
  app.post(STATS_ROUTE, { config: OWN }, (request) => answerStats(request, callVdn(request)!, options));
  app.post(RECORD_ROUTE, { config: OWN }, (request) => answerRecord(request, callVdn(request)!, options));
  app.post(PROOF_ROUTE, { config: OWN }, (request, reply) => answerProof(request, reply, callVdn(request)!, options));
  // Calls that named no VDN: in the scope of all-VDN keys only (authentication.ts).
  app.post(CALLLOGS_NO_VDN_ROUTE, { config: OWN }, (request) => answerQuery(request, NO_VDN, options));
}
