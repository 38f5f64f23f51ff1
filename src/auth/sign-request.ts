import {
  computeSignature,
  formatAuthorization,
  formatSignatureTimestamp,
  normalizeSignedHeaders,
} from './c2.js';

export interface SignRequestInput {
  ak: string;
  sk: string;
  method: string;
  /** The full URL the request goes to (its host, path and query are signed). */
  url: string | URL;
  /** Headers that will be sent; `content-type` (when given) is signed with `host`. */
  headers?: Record<string, string>;
  body?: string | Uint8Array;
  /** Signing time; defaults to now. */
  timestamp?: Date;
  /**
   * Header names to sign besides `host`; default: `content-type` and `content-length` when they are
   * among `headers`. Naming `content-length` here adds it (computed from the body) when absent.
   */
  signedHeaders?: string[];
}

/**
 * Signs one request with the C2 scheme and returns the headers to send: those given, plus `host`
 * and `authorization`. Works for any C2-authenticated interface, with undici or `fetch` (which
 * sets `content-length` itself and refuses one given, hence it is not added by default).
 */
export function signRequest(input: SignRequestInput): Record<string, string> {
  const url = new URL(input.url);
  const headers: Record<string, string> = {};
  for (const [name, value] of Object.entries(input.headers ?? {})) headers[name.toLowerCase()] = value;
  headers.host = url.host;
  const body = input.body ?? '';
  const extra = input.signedHeaders ?? ['content-type', 'content-length'];
  if (input.signedHeaders?.includes('content-length') && headers['content-length'] === undefined) {
    headers['content-length'] = String(typeof body === 'string' ? Buffer.byteLength(body) : body.length);
  }
  const signedHeaders = normalizeSignedHeaders(['host', ...extra.filter((h) => headers[h.toLowerCase()] !== undefined)]);
  const parts = { ak: input.ak, timestamp: formatSignatureTimestamp((input.timestamp ?? new Date()).getTime()), signedHeaders };
  const signature = computeSignature(input.sk, parts, {
    method: input.method,
    path: url.pathname,
    query: url.search.slice(1),
    headers,
    body,
  });
  return { ...headers, authorization: formatAuthorization({ ...parts, signature }) };
}
