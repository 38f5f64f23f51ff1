import type { IncomingHttpHeaders } from 'node:http';

/** Headers that describe one connection, not the message (RFC 9110 §7.6.1): never forwarded. */
const HOP_BY_HOP = new Set([
  'connection', 'keep-alive', 'proxy-authenticate', 'proxy-authorization', 'proxy-connection',
  'te', 'trailer', 'transfer-encoding', 'upgrade',
]);

/**
 * Headers a `Connection` header cannot take off a forwarded call: the credentials and the host the
 * signature was verified over, and the description of the body.
 */
const ALWAYS_FORWARDED = new Set(['authorization', 'host', 'content-type', 'content-length']);

type HeaderValue = string | string[] | undefined;

/**
 * The end-to-end headers of a message: hop-by-hop ones and those its `Connection` names removed,
 * except that `Connection` never removes one of `keep`.
 */
export function endToEndHeaders(
  headers: Record<string, HeaderValue>,
  options: { alsoDrop?: ReadonlySet<string>; keep?: ReadonlySet<string> } = {},
): Record<string, string | string[]> {
  const named = connectionNamed(headers.connection, options.keep);
  const out: Record<string, string | string[]> = {};
  for (const name in headers) {
    const value = headers[name];
    const lower = name.toLowerCase();
    if (value === undefined || HOP_BY_HOP.has(lower) || options.alsoDrop?.has(lower) || named?.has(lower)) continue;
    out[name] = value;
  }
  return out;
}

const CLOSE = new Set(['close']);

/** The header names a `Connection` header lists, less those it may not take off; usually none. */
function connectionNamed(connection: HeaderValue, keep: ReadonlySet<string> | undefined): ReadonlySet<string> | undefined {
  // What nearly every client sends, read without splitting (keep-alive is hop-by-hop already).
  if (connection === undefined || connection === 'keep-alive') return undefined;
  if (connection === 'close') return CLOSE;
  const names = (Array.isArray(connection) ? connection.join(',') : connection)
    .split(',').map((h) => h.trim().toLowerCase()).filter((h) => h && !keep?.has(h));
  return names.length > 0 ? new Set(names) : undefined;
}

const NOT_FORWARDED = new Set(['content-length', 'expect']);

/**
 * The headers a forwarded call carries: the caller's end-to-end headers with its `Host` kept (a
 * C2 signature covers the host the caller dialled), `X-Forwarded-For` extended with the caller's
 * address. `content-length` is left to the HTTP client, which sends the exact body it was given;
 * `expect` is dropped because the body is already here.
 */
export function forwardedRequestHeaders(headers: IncomingHttpHeaders, clientIp: string): Record<string, string | string[]> {
  const out = endToEndHeaders(headers, { alsoDrop: NOT_FORWARDED, keep: ALWAYS_FORWARDED });
  const previous = headers['x-forwarded-for'];
  out['x-forwarded-for'] = previous ? `${Array.isArray(previous) ? previous.join(', ') : previous}, ${clientIp}` : clientIp;
  return out;
}
