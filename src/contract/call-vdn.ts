import { bodyText } from './body.js';
import { fieldError } from './codes.js';
import { literalAt, members } from './json-scan.js';
import { parseJsonBodyText } from './parsed-bodies.js';
import { parseVdnId } from './query.js';
import { queryPairs } from './query-pairs.js';

/** The `campaigns/{vdnId}` segment of any API version's OpenAPI path. */
const CAMPAIGNS_SEGMENT = /^\/rest\/isales\/v\d+\/openapi\/campaigns\/([^/]*)/;

/** Field names as lenient JSON and form readers match them: case, `_` and `-` ignored (Fastjson's smart match). */
export function fieldKey(name: string): string {
  return name.toLowerCase().replace(/[_-]/g, '');
}

const VDN_KEY = fieldKey('vdnId');
/**
 * A name reads as VDN_KEY exactly when it is v, d, n, i, d in order, in any case, with `_` and `-`
 * anywhere: no other character lower-cases to one of these letters or to nothing. Tested directly,
 * without building fieldKey's lower-cased copy of each of a large body's keys.
 */
const VDN_LETTERS = [...VDN_KEY].join('[_-]*');
const IS_VDN_KEY = new RegExp(`^[_-]*${VDN_LETTERS}[_-]*$`, 'i');
/** Where a JSON text could hold such a key: those letters in the text, or an escape. A body without either is not walked. */
const MAY_HOLD_VDN_KEY = new RegExp(`${VDN_LETTERS}|\\\\`, 'i');

/**
 * The VDN of a call to one of our own interfaces: the path's `campaigns/{vdnId}` as the contract
 * reads it (sign and leading zeros allowed: nothing but us reads it), or none.
 */
export function ownCallVdn(path: string): number | null {
  const segment = CAMPAIGNS_SEGMENT.exec(path)?.[1];
  return segment === undefined ? null : parseVdnId(segment);
}

/** What of a forwarded call can name a VDN. */
export interface ForwardedCall {
  path: string;
  /** As received, without `?`. */
  query: string;
  contentType: string | undefined;
  /** The bytes received; undefined when there are none or they are not all here. */
  body: Uint8Array | undefined;
}

/**
 * The VDN of a call forwarded to the upstream, read so that no upstream can read another one:
 * the path's `campaigns/{vdnId}`, every `vdnId` query parameter, and every `vdnId` member of a JSON
 * body at any depth or field of a form body (names matched like `fieldKey`). Each must be a plain
 * decimal integer from 1 to 9999, named once per object or query, and all of them the same VDN.
 * A JSON body must be UTF-8 (as its content type says, if it says) without a byte order mark.
 * Throws the Table-6 error of the first rule
 * broken; none named is `null`.
 */
export function forwardedCallVdn(call: ForwardedCall): number | null {
  const named: number[] = [];
  const segment = CAMPAIGNS_SEGMENT.exec(call.path)?.[1];
  if (segment !== undefined) named.push(plainVdn(segment, 'vdnId'));
  named.push(...parameterVdns(call.query));
  if (call.body && call.body.length > 0) named.push(...bodyVdns(call.contentType, call.body));
  const distinct = [...new Set(named)];
  if (distinct.length > 1) {
    throw fieldError('WRONG_COMBINATION', 'vdnId', `the call names more than one VDN (${distinct.join(', ')})`);
  }
  return distinct[0] ?? null;
}

/** Canonical decimal: what every integer reader turns into the same number. */
const PLAIN_INTEGER = /^(0|-?[1-9][0-9]*)$/;

function plainVdn(text: string, field: string): number {
  if (!PLAIN_INTEGER.test(text)) {
    throw fieldError('WRONG_TYPE', field, 'must be a plain decimal integer (no sign, leading zeros, fraction or other characters)');
  }
  return parseVdnId(text);
}

function parameterVdns(text: string): number[] {
  // A name that reads as vdnId has a v, plain or percent-encoded: most queries need no parsing.
  if (!/[vV%]/.test(text)) return [];
  const found: number[] = [];
  for (const [name, value] of queryPairs(text)) {
    if (fieldKey(name) === VDN_KEY) found.push(plainVdn(value, 'vdnId'));
  }
  if (found.length > 1) throw fieldError('WRONG_COMBINATION', 'vdnId', 'is given more than once');
  return found;
}

function mediaType(contentType: string | undefined): string {
  return (contentType ?? '').split(';', 1)[0]!.trim().toLowerCase();
}

/**
 * Would an upstream read these bytes as JSON? Jackson and Fastjson take a body as JSON whatever
 * its content type and detect UTF-16/32 from a byte order mark or zero bytes, so: a JSON media
 * type, a byte order mark, a zero byte among the first four, or `{` / `[` first.
 */
function readAsJson(contentType: string | undefined, body: Uint8Array): boolean {
  if (mediaType(contentType).includes('json')) return true;
  const [b0 = 0, b1 = 0] = body;
  if ((b0 === 0xef && b1 === 0xbb) || (b0 === 0xfe && b1 === 0xff) || (b0 === 0xff && b1 === 0xfe)) return true;
  if (body.subarray(0, 4).includes(0)) return true;
  const first = body.find((b) => b !== 0x20 && b !== 0x09 && b !== 0x0a && b !== 0x0d);
  return first === 0x7b || first === 0x5b;
}

function bodyVdns(contentType: string | undefined, body: Uint8Array): number[] {
  if (mediaType(contentType) === 'application/x-www-form-urlencoded') return parameterVdns(bodyText(body, 'refuse'));
  if (!readAsJson(contentType, body)) return [];
  // Spring decodes a JSON body in the charset its content type names: only UTF-8 reads as we do.
  const charset = /;\s*charset\s*=\s*"?([^";\s]+)/i.exec(contentType ?? '')?.[1];
  if (charset !== undefined && !/^utf-?8$/i.test(charset)) throw fieldError('CONVERSION_ERROR', 'body', 'must be UTF-8 (charset=utf-8 or none)');
  const text = bodyText(body, 'refuse');
  parseJsonBodyText(body, text);
  if (!MAY_HOLD_VDN_KEY.test(text)) return [];
  const found: number[] = [];
  const objectsWithOne = new Set<number>();
  for (const { key, valueStart, object } of members(text)) {
    if (!IS_VDN_KEY.test(key)) continue;
    if (objectsWithOne.has(object)) throw fieldError('WRONG_COMBINATION', 'vdnId', 'is given more than once in one object');
    objectsWithOne.add(object);
    found.push(plainVdn(literalAt(text, valueStart), 'vdnId'));
  }
  return found;
}
