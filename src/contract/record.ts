import { parseInstant, formatOperTime } from './time.js';

/** The seed's `OpenapiLog`: the eight fields the query interface returns. */
export interface OpenapiLog {
  /** 30 decimal digits: 13 of epoch milliseconds, 17 that make it unique. */
  id: string;
  operTime: string;
  url: string;
  /** JSON text of the input parameters, masked and capped. */
  request: string;
  resultCode: string;
  resultDesc: string;
  httpStatus: number;
  /** HTTP method. */
  type: string;
}

/** One recorded invocation, as the store keeps it (contract.md §3). */
export interface CallRecord extends Omit<OpenapiLog, 'operTime'> {
  /** Receive time, epoch milliseconds. */
  operTime: number;
  /** The VDN the call belongs to; `null` when the call names none. */
  vdnId: number | null;
  /** The caller's access key, when the call was authenticated. */
  ak: string | null;
  clientIp: string | null;
  durationMs: number | null;
}

/** A line of the NDJSON that `calllogs export` writes and `calllogs import` reads. */
export interface RecordLine extends OpenapiLog {
  vdnId: number | null;
  ak?: string | null;
  clientIp?: string | null;
  durationMs?: number | null;
}

export const RECORD_ID = /^\d{30}$/;


export function toOpenapiLog(r: CallRecord): OpenapiLog {
  return {
    id: r.id,
    operTime: formatOperTime(r.operTime),
    url: r.url,
    request: r.request,
    resultCode: r.resultCode,
    resultDesc: r.resultDesc,
    httpStatus: r.httpStatus,
    type: r.type,
  };
}

export function toRecordLine(r: CallRecord): RecordLine {
  return { ...toOpenapiLog(r), vdnId: r.vdnId, ak: r.ak, clientIp: r.clientIp, durationMs: r.durationMs };
}

/** A record read from an NDJSON line whose `id` may still have to be generated. */
export type ImportedRecord = Omit<CallRecord, 'id'> & { id: string | undefined };

/** Reads one NDJSON record; throws an `Error` whose message names the field and its rule. */
export function parseRecordLine(value: unknown): ImportedRecord {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) throw new Error('must be a JSON object');
  const v = value as Record<string, unknown>;
  const id = optional(v, 'id', (x) => typeof x === 'string' && RECORD_ID.test(x), 'must be 30 decimal digits');
  const operTimeText = required(v, 'operTime', (x) => typeof x === 'string', 'must be an ISO-8601 time with offset');
  const operTime = parseInstant(operTimeText as string);
  if (operTime === undefined) throw new Error('operTime: must be an ISO-8601 time with offset');
  return {
    id: id as string | undefined,
    operTime,
    url: required(v, 'url', (x) => typeof x === 'string' && x.length > 0, 'must be a non-empty string') as string,
    request: required(v, 'request', (x) => typeof x === 'string', 'must be a string (serialized JSON)') as string,
    resultCode: required(v, 'resultCode', (x) => typeof x === 'string', 'must be a string') as string,
    resultDesc: (optional(v, 'resultDesc', (x) => typeof x === 'string', 'must be a string') as string | undefined) ?? '',
    httpStatus: required(v, 'httpStatus', (x) => Number.isInteger(x) && (x as number) >= 100 && (x as number) <= 599,
      'must be an integer from 100 to 599') as number,
    type: required(v, 'type', (x) => typeof x === 'string' && /^[A-Z]{1,16}$/.test(x), 'must be an HTTP method') as string,
    vdnId: (optional(v, 'vdnId', (x) => Number.isInteger(x) && (x as number) >= 1 && (x as number) <= 9999,
      'must be an integer from 1 to 9999 or null') as number | undefined) ?? null,
    ak: (optional(v, 'ak', (x) => typeof x === 'string', 'must be a string or null') as string | undefined) ?? null,
    clientIp: (optional(v, 'clientIp', (x) => typeof x === 'string', 'must be a string or null') as string | undefined) ?? null,
    durationMs: (optional(v, 'durationMs', (x) => typeof x === 'number' && x >= 0, 'must be a non-negative number or null') as
      | number
      | undefined) ?? null,
  };
}

function required(v: Record<string, unknown>, name: string, ok: (x: unknown) => boolean, rule: string): unknown {
  const x = v[name];
  if (x === undefined || x === null) throw new Error(`${name}: is required`);
  return checked(name, x, ok, rule);
}

function optional(v: Record<string, unknown>, name: string, ok: (x: unknown) => boolean, rule: string): unknown {
  const x = v[name];
  return x === undefined || x === null ? undefined : checked(name, x, ok, rule);
}

function checked(name: string, x: unknown, ok: (x: unknown) => boolean, rule: string): unknown {
  if (!ok(x)) throw new Error(`${name}: ${rule}`);
  // PostgreSQL text cannot hold U+0000: a record either store takes, both take.
  if (typeof x === 'string' && x.includes('\u0000')) throw new Error(`${name}: must not contain NUL characters`);
  return x;
}
