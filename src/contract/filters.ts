import { fieldError } from './codes.js';

/**
 * Our extension fields of the calllogs and stats bodies: who called, what came back, how slow and
 * what the call carried. Within a field a list means any of its values; across fields, all.
 */
export interface RecordFilters {
  /** The verified access key of the call (calls without one never match). */
  ak?: string[];
  resultCode?: string[];
  httpStatus?: number[];
  /** HTTP methods, in capitals. */
  type?: string[];
  /** The client address exactly as recorded. */
  clientIp?: string;
  /** Calls at least this slow. */
  minDurationMs?: number;
  /** A substring of the recorded `request` or `resultDesc`, A–Z matching a–z (`foldAscii`). */
  text?: string;
}

export const MAX_FILTER_VALUES = 20;
export const MIN_TEXT = 3;
export const MAX_TEXT = 200;
const MAX_AK = 128;
const MAX_RESULT_CODE = 64;
const METHOD = /^[A-Z]{1,16}$/;

const isAbsent = (value: unknown): boolean =>
  value === undefined || value === null || value === '' || (Array.isArray(value) && value.length === 0);

/**
 * A string-or-list field: every value of the right type first, then in range, then the lengths
 * (contract.md §2's order: type, range, length).
 */
function readList<T extends string | number>(
  name: string,
  value: unknown,
  kind: 'a string' | 'an integer',
  inRange: (v: T) => string | undefined,
  maxLength?: number,
): T[] | undefined {
  if (isAbsent(value)) return undefined;
  const values = Array.isArray(value) ? value : [value];
  const isKind = (v: unknown) => (kind === 'a string' ? typeof v === 'string' : Number.isInteger(v));
  if (!values.every(isKind)) throw fieldError('WRONG_TYPE', name, `must be ${kind} or an array of them`);
  for (const v of values as T[]) {
    const rule = inRange(v);
    if (rule) throw fieldError('WRONG_VALUE', name, rule);
  }
  if (values.length > MAX_FILTER_VALUES) throw fieldError('TOO_MANY_PARAMETERS', name, `must list at most ${MAX_FILTER_VALUES} values`);
  if (maxLength !== undefined && (values as string[]).some((v) => [...v].length > maxLength)) {
    throw fieldError('TOO_LONG', name, `values must be at most ${maxLength} characters`);
  }
  return [...new Set(values as T[])];
}

const nonEmpty = (v: string): string | undefined => (v === '' ? 'values must not be empty' : undefined);

function isIpv4(text: string): boolean {
  const parts = text.split('.');
  return parts.length === 4 && parts.every((p) => /^(0|[1-9]\d{0,2})$/.test(p) && Number(p) <= 255);
}

function isIpv6(text: string): boolean {
  if (!/^[0-9A-Fa-f:.]+$/.test(text) || !text.includes(':')) return false;
  try {
    return new URL(`http://[${text}]/`).hostname.length > 2;
  } catch {
    return false;
  }
}

/** Reads the filter fields of a body; absent, `null`, `""` and `[]` mean no filter. */
export function readFilters(fields: Record<string, unknown>): RecordFilters {
  const filters: RecordFilters = {};
  const ak = readList<string>('ak', fields.ak, 'a string', nonEmpty, MAX_AK);
  if (ak) filters.ak = ak;
  const resultCode = readList<string>('resultCode', fields.resultCode, 'a string', nonEmpty, MAX_RESULT_CODE);
  if (resultCode) filters.resultCode = resultCode;
  const httpStatus = readList<number>('httpStatus', fields.httpStatus, 'an integer', (v) => (v >= 100 && v <= 599 ? undefined : 'must be from 100 to 599'));
  if (httpStatus) filters.httpStatus = httpStatus;
  const type = readList<string>('type', fields.type, 'a string', (v) => (METHOD.test(v) ? undefined : 'must be an HTTP method in capitals (GET, POST, …)'));
  if (type) filters.type = type;
  if (!isAbsent(fields.clientIp)) {
    if (typeof fields.clientIp !== 'string') throw fieldError('WRONG_TYPE', 'clientIp', 'must be a string');
    if (!isIpv4(fields.clientIp) && !isIpv6(fields.clientIp)) throw fieldError('WRONG_VALUE', 'clientIp', 'must be an IPv4 or IPv6 address');
    filters.clientIp = fields.clientIp;
  }
  if (!isAbsent(fields.minDurationMs)) {
    if (typeof fields.minDurationMs !== 'number') throw fieldError('WRONG_TYPE', 'minDurationMs', 'must be a number');
    if (!(fields.minDurationMs >= 0 && Number.isFinite(fields.minDurationMs))) throw fieldError('WRONG_VALUE', 'minDurationMs', 'must be a number of milliseconds, 0 or more');
    filters.minDurationMs = fields.minDurationMs;
  }
  if (!isAbsent(fields.text)) {
    if (typeof fields.text !== 'string') throw fieldError('WRONG_TYPE', 'text', 'must be a string');
    const length = [...fields.text].length;
    if (length < MIN_TEXT) throw fieldError('TOO_SHORT', 'text', `must be at least ${MIN_TEXT} characters`);
    if (length > MAX_TEXT) throw fieldError('TOO_LONG', 'text', `must be at most ${MAX_TEXT} characters`);
    filters.text = fields.text;
  }
  return filters;
}

/** The text filter's case folding: A–Z as a–z, every other character as it is. */
export function foldAscii(text: string): string {
  return text.replace(/[A-Z]/g, (c) => c.toLowerCase());
}

/** Filters that the hourly facet counts answer (the others are read from the records). */
export function hasFacetFilter(f: RecordFilters): boolean {
  return Boolean(f.ak || f.resultCode || f.httpStatus || f.type);
}

/** Filters only the records themselves can answer. */
export function hasRecordFilter(f: RecordFilters): boolean {
  return f.clientIp !== undefined || f.minDurationMs !== undefined || f.text !== undefined;
}
