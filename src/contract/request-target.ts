import { fieldError, type CalllogsError } from './codes.js';

/** Every call below this prefix is recorded (and, on a gateway, forwarded). */
export const RECORDED_PREFIX = '/rest/isales/';
/** The version-1 OpenAPI, where an unknown interface is a 404 when no upstream is configured. */
export const OPENAPI_PREFIX = '/rest/isales/v1/openapi/';

/**
 * The request line's target, read once at the door. Every layer after it (scope check, router,
 * record, forwarded request) uses `path` and `query` and nothing else.
 */
export interface RequestTarget {
  /** The path exactly as received, without the query. */
  path: string;
  /** The query exactly as received, without `?`. */
  query: string;
  /** Under RECORDED_PREFIX, as the most lenient server would read the path: the call is recorded. */
  recorded: boolean;
  /** Why the path is refused: it could be read in more than one way. */
  refusal: CalllogsError | undefined;
}

/**
 * RFC 3986 path characters minus `%` and `;`. Without percent-encodings every reader sees the same
 * characters (decoding is where `%33` becomes a VDN and `%2e%2e` a dot segment); `;` starts
 * path parameters that Tomcat strips from a segment (`3;x` is read as `3`).
 */
const PLAIN_PATH = /^\/[A-Za-z0-9\-._~!$&'()*+,=:@/]*$/;
const DOT_SEGMENT = /\/\.\.?(?=\/|$)/;

/** Splits a request target into path and query and decides whether the path has one reading. */
export function readRequestTarget(target: string): RequestTarget {
  const q = target.indexOf('?');
  const path = q < 0 ? target : target.slice(0, q);
  const query = q < 0 ? '' : target.slice(q + 1);
  const refusal = pathRefusal(path);
  const recorded = (refusal ? leniently(path) : path).startsWith(RECORDED_PREFIX);
  return { path, query, recorded, refusal };
}

function pathRefusal(path: string): CalllogsError | undefined {
  if (!PLAIN_PATH.test(path)) return characterRefusal(path);
  if (DOT_SEGMENT.test(path)) {
    return fieldError('PARAMETER_ERROR', 'url', 'dot segments ("." and "..") are not accepted in the path');
  }
  // A trailing slash is an empty last segment: the console's pages end in one, interfaces do not.
  if (path.includes('//') || (path.endsWith('/') && path.startsWith(RECORDED_PREFIX))) {
    return fieldError('PARAMETER_ERROR', 'url', 'empty path segments ("//", a trailing "/") are not accepted');
  }
  return undefined;
}

/** Why a path that is not PLAIN_PATH is refused, naming its first offending character. */
function characterRefusal(path: string): CalllogsError {
  if (!path.startsWith('/')) return fieldError('PARAMETER_ERROR', 'url', 'the request target must be a path starting with /');
  const c = [...path].find((ch) => !PLAIN_PATH.test(`/${ch}`))!;
  const refused = (rule: string) => fieldError('INVALID_CHARACTERS', 'url', rule);
  if (c === '%') return refused('percent-encoded characters are not accepted in the path');
  if (c === ';') return refused('";" (path parameters) is not accepted in the path');
  if (c === '\\') return refused('"\\" is not accepted in the path');
  if (/[\x21-\x7e]/.test(c)) return refused(`"${c}" is not accepted in the path`);
  return refused('control, space and non-ASCII characters are not accepted in the path');
}

/** Bounded: each pass is linear, and `%2525…` would otherwise make the loop quadratic. */
const DECODINGS = 3;

/**
 * The path as the most forgiving server would read it: an absolute target's path, `%XX` decoded
 * up to DECODINGS times (some servers decode twice), `\` as `/`, `;` parameters dropped, empty and
 * dot segments resolved. Used only to decide whether a refused call is one of ours to record.
 */
function leniently(path: string): string {
  let decoded = path.replace(/^[a-z][a-z0-9+.-]*:\/\/[^/]*/i, '');
  for (let i = 0; i < DECODINGS; i += 1) {
    decoded = decoded.replace(/%([0-9a-f]{2})/gi, (_, hex: string) => String.fromCharCode(parseInt(hex, 16)));
  }
  const kept: string[] = [];
  for (const segment of decoded.replace(/\\/g, '/').split('/')) {
    const name = segment.split(';', 1)[0]!;
    if (name === '..') kept.pop();
    else if (name !== '' && name !== '.') kept.push(name);
  }
  return `/${kept.join('/')}/`;
}

/**
 * Headers some servers and frameworks obey to act on another method or path than the request
 * line's (IIS URL Rewrite, Symfony, method-override filters): the record would show one call and
 * the upstream perform another.
 */
const REROUTING_HEADERS = ['x-original-url', 'x-rewrite-url', 'x-http-method-override', 'x-http-method', 'x-method-override'];

/** A refusal when the request carries a header that re-routes it; `headers` by lower-case name. */
export function reroutingHeaderRefusal(headers: Readonly<Record<string, unknown>>): CalllogsError | undefined {
  const name = REROUTING_HEADERS.find((h) => headers[h] !== undefined);
  return name === undefined ? undefined : fieldError('PARAMETER_ERROR', name, 'is not accepted: the request line alone names the method and path');
}
