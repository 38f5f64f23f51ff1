import { fieldError } from './codes.js';
import { readFilters, type RecordFilters } from './filters.js';
import { parseWallTime, wallSecondsBetween, wallTimeToEpochMs, type WallTime } from './time.js';

export const MAX_OFFSET = 2_147_483_647;
export const MAX_LIMIT = 100;
export const MAX_URL_LENGTH = 2048;
export const MAX_BODY_FIELDS = 32;
export const MAX_WINDOW_SECONDS = 7 * 24 * 3600;
export const MIN_VDN = 1;
export const MAX_VDN = 9999;

/**
 * The seconds from `fromMs` to `lastMs` (both whole seconds, both included) cut into the windows
 * one proof call may ask for: `[fromMs, toMs)`, in order. Each is 6 days 23 hours of real time at
 * most, so that its wall-clock span stays within MAX_WINDOW_SECONDS in any zone (a spring-forward
 * hour makes 7 real days read as 7 days and an hour).
 */
export function proofWindows(fromMs: number, lastMs: number): { fromMs: number; toMs: number }[] {
  const step = (MAX_WINDOW_SECONDS - 3600) * 1000;
  const windows: { fromMs: number; toMs: number }[] = [];
  for (let begin = fromMs; begin <= lastMs; begin += step) windows.push({ fromMs: begin, toMs: Math.min(begin + step, lastMs + 1000) });
  return windows;
}

/** `url` filter: an exact recorded path, or (with a trailing `*`) a path prefix. */
export type UrlFilter = { kind: 'exact'; value: string } | { kind: 'prefix'; value: string };

/** Our extension: only calls that succeeded or failed (`isFailure` in record.ts). */
export type Outcome = 'success' | 'failure';
const OUTCOMES: readonly string[] = ['success', 'failure'];

/** The window and filters shared by the calllogs query and its stats. */
export interface WindowQuery {
  vdnId: number;
  url: UrlFilter | undefined;
  beginTime: WallTime;
  endTime: WallTime;
  outcome: Outcome | undefined;
  filters: RecordFilters;
}

/** A calllogs query that passed every rule of contract.md §1. */
export interface CalllogsQuery extends WindowQuery {
  offset: number;
  limit: number;
}

/** Half-open interval of receive times, epoch milliseconds: `fromMs <= operTime < toMs`. */
export interface TimeWindow {
  fromMs: number;
  toMs: number;
}

const FORBIDDEN_FIELDS = new Set(['__proto__', 'constructor', 'prototype']);
const URL_BAD_CHARACTER = /[\p{Cc}\p{Cs}\s]/u;

/** Reads the path's `vdnId`: a decimal integer from 1 to 9999. */
export function parseVdnId(raw: string): number {
  if (!/^[+-]?\d+$/.test(raw)) throw fieldError('WRONG_TYPE', 'vdnId', 'must be a decimal integer');
  const value = Number(raw);
  if (!(value >= MIN_VDN && value <= MAX_VDN)) {
    throw fieldError('WRONG_VALUE', 'vdnId', `must be between ${MIN_VDN} and ${MAX_VDN}`);
  }
  return value;
}

/** Validates a parsed JSON body against contract.md §1, reporting the first broken rule in §2's order. */
export function validateQueryBody(vdnId: number, body: unknown): CalllogsQuery {
  const fields = checkBodyShape(body);
  const offset = readInteger(fields, 'offset', 0, MAX_OFFSET);
  const limit = readInteger(fields, 'limit', 1, MAX_LIMIT);
  return { ...readWindow(vdnId, fields), offset, limit };
}

/** Validates the body of the stats interface (our extension): the query's window and filters, no paging. */
export function validateStatsBody(vdnId: number, body: unknown): WindowQuery {
  return readWindow(vdnId, checkBodyShape(body));
}

/**
 * `url`, `beginTime`, `endTime` and the rules between them, in contract.md §2's order; then our
 * extensions, after every contract field (filters.ts).
 */
function readWindow(vdnId: number, fields: Record<string, unknown>): WindowQuery {
  const url = readUrlFilter(fields.url);
  return { vdnId, url, ...readWallWindow(fields), outcome: readOutcome(fields.outcome), filters: readFilters(fields) };
}

/** `beginTime` and `endTime`, each by the contract's rules, at most 7 days apart. */
export function readWallWindow(fields: Record<string, unknown>): Pick<CalllogsQuery, 'beginTime' | 'endTime'> {
  const beginTime = readWallTime(fields, 'beginTime');
  const endTime = readWallTime(fields, 'endTime');
  const span = wallSecondsBetween(beginTime, endTime);
  if (span < 0) throw fieldError('WRONG_COMBINATION', 'endTime', 'must not be before beginTime');
  if (span > MAX_WINDOW_SECONDS) {
    throw fieldError('WRONG_COMBINATION', 'endTime', 'must be at most 7 days after beginTime');
  }
  return { beginTime, endTime };
}

/** Extensions are checked after every rule of the contract's own fields. */
export function readOutcome(value: unknown): Outcome | undefined {
  if (isEmpty(value)) return undefined;
  if (typeof value !== 'string') throw fieldError('WRONG_TYPE', 'outcome', 'must be a string');
  if (!OUTCOMES.includes(value)) throw fieldError('WRONG_VALUE', 'outcome', 'must be "success" or "failure"');
  return value as Outcome;
}

/** The receive-time interval a query covers: inclusive at second precision on both ends. */
export function queryWindow(query: Pick<CalllogsQuery, 'beginTime' | 'endTime'>, timeZone: string): TimeWindow {
  return {
    fromMs: wallTimeToEpochMs(query.beginTime, timeZone),
    toMs: wallTimeToEpochMs(query.endTime, timeZone) + 1000,
  };
}

/** The body is a JSON object of at most MAX_BODY_FIELDS fields, none named like a prototype property. */
export function checkBodyShape(body: unknown): Record<string, unknown> {
  if (typeof body !== 'object' || body === null || Array.isArray(body)) {
    throw fieldError('WRONG_TYPE', 'body', 'must be a JSON object');
  }
  const keys = Object.keys(body);
  if (keys.length > MAX_BODY_FIELDS) {
    throw fieldError('TOO_MANY_PARAMETERS', 'body', `must have at most ${MAX_BODY_FIELDS} fields`);
  }
  const forbidden = keys.find((k) => FORBIDDEN_FIELDS.has(k));
  if (forbidden !== undefined) throw fieldError('PARAMETER_ERROR', forbidden, 'field name is not allowed');
  return body as Record<string, unknown>;
}

/** Missing, null and "" all mean "not given" (contract.md §2). */
export function isEmpty(value: unknown): boolean {
  return value === undefined || value === null || value === '';
}

export function readInteger(fields: Record<string, unknown>, name: string, min: number, max: number): number {
  const value = fields[name];
  if (isEmpty(value)) throw fieldError('EMPTY_PARAMETER', name, 'is required');
  if (typeof value !== 'number' || Number.isNaN(value)) throw fieldError('WRONG_TYPE', name, 'must be an integer');
  if (Number.isFinite(value) && !Number.isInteger(value)) throw fieldError('WRONG_TYPE', name, 'must be an integer');
  if (!(value >= min && value <= max)) throw fieldError('WRONG_VALUE', name, `must be between ${min} and ${max}`);
  return value;
}

export function readUrlFilter(value: unknown): UrlFilter | undefined {
  if (isEmpty(value)) return undefined;
  if (typeof value !== 'string') throw fieldError('WRONG_TYPE', 'url', 'must be a string');
  if (value.length > MAX_URL_LENGTH && [...value].length > MAX_URL_LENGTH) {
    throw fieldError('TOO_LONG', 'url', `must be at most ${MAX_URL_LENGTH} characters`);
  }
  if (URL_BAD_CHARACTER.test(value)) {
    throw fieldError('INVALID_CHARACTERS', 'url', 'must not contain whitespace or control characters');
  }
  return value.endsWith('*') ? { kind: 'prefix', value: value.slice(0, -1) } : { kind: 'exact', value };
}

function readWallTime(fields: Record<string, unknown>, name: string): WallTime {
  const value = fields[name];
  if (isEmpty(value)) throw fieldError('EMPTY_PARAMETER', name, 'is required');
  if (typeof value !== 'string') throw fieldError('WRONG_TYPE', name, 'must be a string');
  if ([...value].length !== 19) {
    throw fieldError('LENGTH_OUT_OF_RANGE', name, 'must be 19 characters long (yyyy-MM-dd HH:mm:ss)');
  }
  const wall = parseWallTime(value);
  if (!wall) throw fieldError('CONVERSION_ERROR', name, 'must be a real time in the format yyyy-MM-dd HH:mm:ss');
  return wall;
}
