import type { CallRecord } from '../contract/record.js';
import { unpackFrontier } from '../integrity/log-append.js';
import { NO_VDN, type StoredKey, type StoredLogHead } from './types.js';

/** A record as both stores lay it out: the same columns under the same names. */
export interface RecordRow {
  id: string;
  vdn: number;
  oper_time: number;
  url: string;
  request: string;
  result_code: string;
  result_desc: string;
  http_status: number;
  type: string;
  ak: string | null;
  client_ip: string | null;
  duration_ms: number | null;
}

export const RECORD_COLUMNS = [
  'id', 'vdn', 'oper_time', 'url', 'request', 'result_code', 'result_desc', 'http_status', 'type', 'ak', 'client_ip', 'duration_ms',
] as const satisfies readonly (keyof RecordRow)[];

/** The record columns of a query that names the records table `r`. */
export const R_RECORD_COLUMNS = RECORD_COLUMNS.map((c) => `r.${c}`).join(', ');

export interface KeyRow {
  ak: string;
  sk: string;
  vdns: string;
  label: string;
  disabled: number | boolean;
  created_at: number | string;
}

export function toRecord(row: RecordRow): CallRecord {
  return {
    id: row.id,
    operTime: Number(row.oper_time),
    url: row.url,
    request: row.request,
    resultCode: row.result_code,
    resultDesc: row.result_desc,
    httpStatus: row.http_status,
    type: row.type,
    vdnId: row.vdn === NO_VDN ? null : row.vdn,
    ak: row.ak,
    clientIp: row.client_ip,
    durationMs: row.duration_ms,
  };
}

/** A record's column values in RECORD_COLUMNS order (positional binding, COPY lines, unnest arrays). */
export type RowValues = [string, number, number, string, string, string, string, number, string, string | null, string | null, number | null];

export function rowValues(r: CallRecord): RowValues {
  return [r.id, r.vdnId ?? NO_VDN, r.operTime, r.url, r.request, r.resultCode, r.resultDesc, r.httpStatus, r.type, r.ak, r.clientIp, r.durationMs];
}

/** The record of column values in RECORD_COLUMNS order (rowValues read back; more values may follow). */
export function recordOfValues(values: readonly [...RowValues, ...unknown[]]): CallRecord {
  const [id, vdn, operTime, url, request, resultCode, resultDesc, httpStatus, type, ak, clientIp, durationMs] = values;
  return { id, operTime: Number(operTime), url, request, resultCode, resultDesc, httpStatus, type, vdnId: vdn === NO_VDN ? null : vdn, ak, clientIp, durationMs };
}

export function toKey(row: KeyRow): StoredKey {
  return {
    ak: row.ak,
    sk: row.sk,
    vdns: row.vdns === 'all' ? 'all' : (JSON.parse(row.vdns) as number[]),
    label: row.label,
    disabled: Boolean(row.disabled),
    createdAt: Number(row.created_at),
  };
}

export function vdnsColumn(vdns: StoredKey['vdns']): string {
  return vdns === 'all' ? 'all' : JSON.stringify(vdns);
}

/** A log's head row, as both stores lay it out. */
export interface LogHeadRow {
  vdn: number;
  size: number;
  frontier: Uint8Array;
  checkpoint: string | null;
  checkpoint_size: number | null;
}

export function toLogHead(row: LogHeadRow): StoredLogHead {
  return { vdn: row.vdn, size: row.size, frontier: unpackFrontier(row.frontier), checkpoint: row.checkpoint, checkpointSize: row.checkpoint_size };
}
