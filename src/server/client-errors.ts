import { STATUS_CODES } from 'node:http';
import type { Socket } from 'node:net';
import { CalllogsError } from '../contract/codes.js';
import { readRequestTarget } from '../contract/request-target.js';
import { errorBodyOf } from '../contract/response.js';
import type { AnsweredCall } from './plugins/recording.js';

/** How long a connection the parser gave up on stays open for its answer to be read. */
const LINGER_MS = 2000;

function errorOf(code: string | undefined): CalllogsError {
  if (code === 'HPE_HEADER_OVERFLOW') return new CalllogsError('HEADERS_TOO_LARGE', 'headers: the request line and headers are too large');
  if (code === 'ERR_HTTP_REQUEST_TIMEOUT') return new CalllogsError('REQUEST_TIMEOUT', 'request: not received in time');
  return new CalllogsError('PARAMETER_ERROR', 'request: is not a valid HTTP/1.1 request');
}

/** The method and target of the request line at the start of what the parser was reading, when it is there. */
function requestLine(raw: unknown): { method: string; target: string } | undefined {
  if (!Buffer.isBuffer(raw)) return undefined;
  const m = /^([!#$%&'*+.^_`|~0-9A-Za-z-]{1,32}) ([\x21-\x7e\x80-\xff]+) HTTP\/1\.[01]\r?\n/.exec(raw.subarray(0, 16 * 1024).toString('latin1'));
  return m ? { method: m[1]!, target: m[2]! } : undefined;
}

/**
 * Fastify's `clientErrorHandler`: what Node's HTTP parser refuses before any route sees it
 * (headers over the limit, malformed messages, timeouts) gets a contract error body too, and is
 * recorded when its request line shows a call under /rest/isales/ (`record`, when recording).
 * The connection is closed gently: the answer is written, then the rest of what the client sends
 * is read and dropped for a moment, so that it can read the answer.
 */
export function clientErrorHandler(record: ((call: AnsweredCall) => void) | undefined) {
  const answered = new WeakSet<Socket>();
  return (error: Error & { code?: string; rawPacket?: unknown }, socket: Socket): void => {
    if (answered.has(socket) || error.code === 'ECONNRESET' || !socket.writable) {
      socket.destroy();
      return;
    }
    answered.add(socket);
    const refusal = errorOf(error.code);
    const body = JSON.stringify(errorBodyOf(refusal));
    socket.end(`HTTP/1.1 ${refusal.status} ${STATUS_CODES[refusal.status]}\r\ncontent-type: application/json; charset=utf-8\r\n`
      + `content-length: ${Buffer.byteLength(body)}\r\nconnection: close\r\n\r\n${body}`);
    socket.on('data', () => undefined);
    setTimeout(() => socket.destroy(), LINGER_MS).unref();

    const line = requestLine(error.rawPacket);
    const target = line && readRequestTarget(line.target);
    if (!record || !line || !target?.recorded) return;
    record({
      receivedAt: Date.now(), target, method: line.method, pathParams: {}, body: undefined,
      result: { code: refusal.code, desc: refusal.message }, httpStatus: refusal.status,
      vdnId: null, ak: null, clientIp: socket.remoteAddress ?? '', durationMs: 0,
    });
  };
}
