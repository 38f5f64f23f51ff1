import { SUCCESS_CODE, fieldError } from './codes.js';
import { checkBodyShape, isEmpty } from './query.js';
import { RECORD_ID, toRecordLine, type CallRecord, type RecordLine } from './record.js';
import { errorBody, type ErrorBody } from './response.js';
import { parseInstant } from './time.js';

/**
 * Our extension `POST .../campaigns/{vdnId}/calllogs/record`: one record of the VDN with what the
 * store keeps beyond the seed's eight fields (its VDN, the caller's verified access key, the client
 * address and the duration), which the calllogs answer never carries (contract.md §3). A record is
 * named by its `id` and `operTime` exactly as the calllogs answer gives them (together they are its
 * key in both stores). No such record is a success whose `result` is null, like an empty page (a
 * 404 would read as "no such interface", e.g. from a server without this extension).
 */
export const RECORD_SUCCESS_DESC = 'queryCalllogRecord success';

export interface RecordLookup {
  id: string;
  operTimeMs: number;
}

export interface RecordResponseBody extends ErrorBody {
  result: RecordLine | null;
}

/** Validates the body: `id` then `operTime`, each by the Table-6 rules (missing, type, length, form). */
export function validateRecordBody(body: unknown): RecordLookup {
  const fields = checkBodyShape(body);
  const id = fields.id;
  if (isEmpty(id)) throw fieldError('EMPTY_PARAMETER', 'id', 'is required');
  if (typeof id !== 'string') throw fieldError('WRONG_TYPE', 'id', 'must be a string');
  if (id.length !== 30) throw fieldError('LENGTH_OUT_OF_RANGE', 'id', 'must be 30 characters long');
  if (!RECORD_ID.test(id)) throw fieldError('CONVERSION_ERROR', 'id', 'must be 30 decimal digits');
  const operTime = fields.operTime;
  if (isEmpty(operTime)) throw fieldError('EMPTY_PARAMETER', 'operTime', 'is required');
  if (typeof operTime !== 'string') throw fieldError('WRONG_TYPE', 'operTime', 'must be a string');
  const operTimeMs = parseInstant(operTime);
  if (operTimeMs === undefined) {
    throw fieldError('CONVERSION_ERROR', 'operTime', 'must be the record\'s operTime as the calllogs answer gives it (yyyy-MM-ddTHH:mm:ss.SSS+00:00)');
  }
  return { id, operTimeMs };
}

export function recordResponseBody(record: CallRecord | undefined): RecordResponseBody {
  return { result: record ? toRecordLine(record) : null, ...errorBody(SUCCESS_CODE, RECORD_SUCCESS_DESC) };
}
