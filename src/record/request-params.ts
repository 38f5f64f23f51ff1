import { queryPairs } from '../contract/query-pairs.js';
import type { Redactor } from './redact.js';

/** The recorded `request` is capped at this many UTF-8 bytes (contract.md §3). */
export const MAX_REQUEST_BYTES = 64 * 1024;

export interface RequestInput {
  /** Path parameters by catalog name; `vdnId` is recorded as a number when it is one. */
  pathParams: Record<string, string>;
  /** The raw query string, without `?`. */
  query: string;
  /**
   * The body: a parsed JSON value, or the raw text when it is not JSON (recorded under `body` so an
   * integrator can see what was actually sent), or undefined when there was none.
   */
  body: unknown;
}

/**
 * Serializes a call's input parameters as the `request` JSON string: path parameters, query
 * parameters and the fields of a JSON object body, masked by `redact` and capped in size. The
 * parameters are a `Map`, not an object: a name such as `constructor` or `__proto__` is a field
 * like any other, never a property the object already had.
 */
export function describeRequest(input: RequestInput, redact: Redactor): string {
  const params = new Map<string, unknown>();
  for (const name in input.pathParams) {
    const value = input.pathParams[name]!;
    params.set(name, name === 'vdnId' && /^\d{1,4}$/.test(value) ? Number(value) : value);
  }
  for (const [name, value] of queryPairs(input.query)) {
    const previous = params.get(name);
    params.set(name, previous === undefined ? value : Array.isArray(previous) ? [...previous, value] : [previous, value]);
  }
  const body = input.body;
  if (typeof body === 'object' && body !== null && !Array.isArray(body)) {
    for (const name of Object.keys(body)) params.set(name, (body as Record<string, unknown>)[name]);
  } else if (body !== undefined) {
    params.set('body', body);
  }
  return capRequest(redact(params));
}

/**
 * Keeps `request` within MAX_REQUEST_BYTES. A longer one is replaced by a marked object that keeps
 * the serialized text's first bytes and states its original size, so the field stays valid JSON.
 */
export function capRequest(serialized: string): string {
  const bytes = Buffer.byteLength(serialized, 'utf8');
  if (bytes <= MAX_REQUEST_BYTES) return serialized;
  const encoded = Buffer.from(serialized, 'utf8');
  const room = MAX_REQUEST_BYTES - 1024;
  let keep = room;
  for (;;) {
    // Decoding a cut buffer turns a split character into U+FFFD; drop it.
    const prefix = encoded.subarray(0, keep).toString('utf8').replace(/\uFFFD$/, '');
    const marked = JSON.stringify({ truncated: true, originalBytes: bytes, prefix });
    const size = Buffer.byteLength(marked, 'utf8');
    if (size <= MAX_REQUEST_BYTES) return marked;
    // Escaping grew the prefix (every quote of the serialized JSON gains a backslash): keep less
    // by the same factor, so the next try is about `room` long (it always shrinks).
    keep = Math.floor((keep * room) / size);
  }
}
