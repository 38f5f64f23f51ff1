import { connect } from 'node:net';
import { computeSignature, formatAuthorization, formatSignatureTimestamp, normalizeSignedHeaders } from '../../src/auth/c2.js';
import type { HttpAnswer, Key } from './server.js';

export interface RawRequest {
  method?: string;
  /** The request target exactly as it goes on the request line. */
  target: string;
  headers?: Record<string, string>;
  body?: string | Buffer;
  /** Signs the request over exactly these bytes (host and content-type, when present). */
  key?: Key;
}

/** The C2 headers for a request whose target is sent as is (no URL parsing or re-encoding). */
export function signRaw(endpoint: string, key: Key, request: RawRequest): Record<string, string> {
  const headers: Record<string, string> = { host: new URL(endpoint).host };
  for (const [name, value] of Object.entries(request.headers ?? {})) headers[name.toLowerCase()] = value;
  const q = request.target.indexOf('?');
  const signedHeaders = normalizeSignedHeaders(['host', ...(headers['content-type'] !== undefined ? ['content-type'] : [])]);
  const parts = { ak: key.ak, timestamp: formatSignatureTimestamp(Date.now()), signedHeaders };
  const signature = computeSignature(key.sk, parts, {
    method: request.method ?? 'POST',
    path: q < 0 ? request.target : request.target.slice(0, q),
    query: q < 0 ? '' : request.target.slice(q + 1),
    headers,
    body: request.body ?? '',
  });
  return { ...headers, authorization: formatAuthorization({ ...parts, signature }) };
}

/** One request written byte for byte on its own connection; the answer is read until the server closes. */
export async function rawCall(endpoint: string, request: RawRequest): Promise<HttpAnswer> {
  const body = typeof request.body === 'string' ? Buffer.from(request.body, 'utf8') : request.body ?? Buffer.alloc(0);
  const headers = request.key ? signRaw(endpoint, request.key, request) : { host: new URL(endpoint).host, ...request.headers };
  const head = [`${request.method ?? 'POST'} ${request.target} HTTP/1.1`, ...Object.entries(headers).map(([n, v]) => `${n}: ${v}`),
    `content-length: ${body.length}`, 'connection: close', '', ''].join('\r\n');
  return exchange(endpoint, Buffer.concat([Buffer.from(head, 'latin1'), body]));
}

/** Writes `bytes` to a new connection and parses the one answer that comes back. */
export function exchange(endpoint: string, bytes: Buffer, timeoutMs = 10_000): Promise<HttpAnswer> {
  const { hostname, port } = new URL(endpoint);
  return new Promise((resolve, reject) => {
    const socket = connect(Number(port), hostname);
    const chunks: Buffer[] = [];
    const timer = setTimeout(() => socket.destroy(new Error(`no complete answer within ${timeoutMs} ms`)), timeoutMs);
    socket.on('data', (c: Buffer) => chunks.push(c));
    socket.on('error', (e) => (chunks.length ? finish() : (clearTimeout(timer), reject(e))));
    socket.on('end', () => socket.end());
    socket.on('close', () => finish());
    socket.write(bytes);
    let done = false;
    function finish(): void {
      if (done) return;
      done = true;
      clearTimeout(timer);
      try {
        resolve(parseAnswer(Buffer.concat(chunks)));
      } catch (error) {
        reject(error as Error);
      }
    }
  });
}

function parseAnswer(whole: Buffer): HttpAnswer {
  let raw = whole;
  // Interim answers (100 Continue) come before the real one.
  while (/^HTTP\/1\.[01] 1\d\d /.test(raw.subarray(0, 13).toString('latin1'))) raw = raw.subarray(raw.indexOf('\r\n\r\n') + 4);
  const end = raw.indexOf('\r\n\r\n');
  if (end < 0) throw new Error(`not an HTTP answer: ${JSON.stringify(raw.subarray(0, 200).toString('latin1'))}`);
  const [statusLine, ...lines] = raw.subarray(0, end).toString('latin1').split('\r\n');
  const status = Number(/^HTTP\/1\.[01] (\d{3})/.exec(statusLine!)?.[1]);
  const headers: Record<string, string> = {};
  for (const line of lines) {
    const colon = line.indexOf(':');
    headers[line.slice(0, colon).trim().toLowerCase()] = line.slice(colon + 1).trim();
  }
  let body = raw.subarray(end + 4);
  if (headers['transfer-encoding'] === 'chunked') body = unchunk(body);
  else if (headers['content-length'] !== undefined) body = body.subarray(0, Number(headers['content-length']));
  const text = body.toString('utf8');
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch {
    json = undefined;
  }
  return { status, headers, text, json };
}

function unchunk(body: Buffer): Buffer {
  const parts: Buffer[] = [];
  let i = 0;
  for (;;) {
    const lineEnd = body.indexOf('\r\n', i);
    const size = parseInt(body.subarray(i, lineEnd).toString('latin1'), 16);
    if (!(size > 0)) return Buffer.concat(parts);
    parts.push(body.subarray(lineEnd + 2, lineEnd + 2 + size));
    i = lineEnd + 2 + size + 2;
  }
}
