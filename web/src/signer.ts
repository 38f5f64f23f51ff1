import {
  canonicalRequest,
  formatAuthorization,
  formatSignatureTimestamp,
  normalizeSignedHeaders,
  authPrefix,
} from '../../src/auth/c2-canonical.js';

/**
 * The C2 signature in the browser: the shared canonical request (src/auth/c2-canonical.ts) and
 * HMAC-SHA256 from WebCrypto. The SK never leaves this function's caller.
 */
const encoder = new TextEncoder();

async function hmacHex(key: string, message: string): Promise<string> {
  const cryptoKey = await crypto.subtle.importKey('raw', encoder.encode(key), { name: 'HMAC', hash: 'SHA-256' }, false, ['sign']);
  const mac = new Uint8Array(await crypto.subtle.sign('HMAC', cryptoKey, encoder.encode(message)));
  return Array.from(mac, (b) => b.toString(16).padStart(2, '0')).join('');
}

export interface BrowserSignInput {
  ak: string;
  sk: string;
  method: string;
  /** Absolute URL; its host is what the browser sends as `Host`. */
  url: string;
  contentType?: string;
  body?: string;
  now?: Date;
}

/**
 * The `Authorization` header value. Signs `host` (set by the browser from the URL) and, when
 * given, `content-type`; `content-length` is left out because a page cannot set it.
 */
export async function authorizationFor(input: BrowserSignInput): Promise<string> {
  const url = new URL(input.url);
  const headers: Record<string, string> = { host: url.host };
  if (input.contentType) headers['content-type'] = input.contentType;
  const signedHeaders = normalizeSignedHeaders(Object.keys(headers));
  const timestamp = formatSignatureTimestamp((input.now ?? new Date()).getTime());
  const key = await hmacHex(input.sk, authPrefix(input.ak, timestamp, signedHeaders));
  const canonical = canonicalRequest(
    { method: input.method, path: url.pathname, query: url.search.slice(1), headers, body: input.body ?? '' },
    signedHeaders,
  );
  return formatAuthorization({ ak: input.ak, timestamp, signedHeaders, signature: await hmacHex(key, canonical) });
}
