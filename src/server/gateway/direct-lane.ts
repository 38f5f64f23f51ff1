import type { FastifyInstance } from 'fastify';
import type { IncomingHttpHeaders, IncomingMessage, ServerResponse } from 'node:http';
import { pipeline, type Readable } from 'node:stream';
import { canAccessVdn } from '../../auth/keys.js';
import type { KeyStore } from '../../auth/key-store.js';
import { authenticate } from '../../auth/verify.js';
import { forwardedCallVdn } from '../../contract/call-vdn.js';
import { CalllogsError } from '../../contract/codes.js';
import { reroutingHeaderRefusal, type RequestTarget } from '../../contract/request-target.js';
import { errorBodyOf } from '../../contract/response.js';
import { matchRoute } from '../../record/catalog.js';
import type { IdGenerator } from '../../record/ids.js';
import type { Redactor } from '../../record/redact.js';
import type { RecordWriter } from '../../record/writer.js';
import { recordOf } from '../plugins/recording.js';
import type { CallResult } from '../request-state.js';
import { targetOf } from '../request-state.js';
import { exchange, forwardedResult, type Forwarding } from './forwarding.js';
import { endToEndHeaders } from './headers.js';

export interface DirectLaneOptions {
  forwarding: Forwarding;
  keys: KeyStore;
  skewMs: number;
  /** How calls are recorded; undefined when recording is off. */
  recording: { writer: RecordWriter; ids: IdGenerator; redact: Redactor; durable: boolean } | undefined;
}

type RequestListener = (request: IncomingMessage, response: ServerResponse) => void;

/** Who the call is, once the lane has admitted it. */
interface Admitted {
  ak: string | null;
  vdn: number | null;
}

/** The methods whose calls the lane takes, when they carry no body. */
const LANE_METHODS = new Set(['GET', 'DELETE']);

/** What the lane answers a call with. */
interface LaneAnswer {
  status: number;
  headers: Record<string, string | string[]>;
  body: Buffer | Readable;
  result: CallResult;
}

/** A contract error as the general path answers it (errors.ts `sendError`). */
function errorAnswer(error: CalllogsError): LaneAnswer {
  const headers: Record<string, string> = { 'content-type': 'application/json; charset=utf-8' };
  if (error.retryAfter !== undefined) headers['retry-after'] = String(error.retryAfter);
  return { status: error.status, headers, body: Buffer.from(JSON.stringify(errorBodyOf(error))), result: { code: error.code, desc: error.message } };
}

function hasBody(headers: IncomingHttpHeaders): boolean {
  const length = headers['content-length'];
  return headers['transfer-encoding'] !== undefined || (length !== undefined && length !== '0');
}

/**
 * The direct lane: the forwarded calls that can be checked before anything is read past their
 * headers — GET and DELETE without a body, a target with one reading, a valid signature of a key
 * whose scope holds the call's VDN — are forwarded by a plain Node request listener, without
 * Fastify's request cycle (about half of such a call's time: bench/gateway.mjs). They meet the
 * same functions as every other call: the target's one reading (`targetOf`), the signature check,
 * the VDN reading and scope, the forwarded request and the record. Everything else, and every call
 * the lane would refuse, goes to the Fastify application untouched, which answers it as it always
 * did: refusals have one path, the general one.
 */
export function installDirectLane(app: FastifyInstance, options: DirectLaneOptions): void {
  const { forwarding, keys, skewMs, recording } = options;
  const { metrics, config } = forwarding;
  const server = app.server;
  const general = server.listeners('request')[0] as RequestListener;

  /** The router would hand the call to the gateway's route: the only wildcard route under the prefix. */
  const forwardedByRouter = (method: string, target: RequestTarget): boolean =>
    app.findRoute({ method: method as 'GET', url: target.path })?.params['*'] !== undefined;

  function takes(request: IncomingMessage): boolean {
    const method = request.method!;
    if (!LANE_METHODS.has(method) || hasBody(request.headers)) return false;
    const target = targetOf(request);
    if (target.refusal || !target.recorded || reroutingHeaderRefusal(request.headers)) return false;
    // A full record queue holds the call back (or refuses it, durable): the general path does that.
    if (recording?.writer.isFull) return false;
    return forwardedByRouter(method, target);
  }

  /** The caller and its VDN when the call is in its key's scope; undefined for any refusal. */
  async function admit(request: IncomingMessage, target: RequestTarget, receivedAt: number): Promise<Admitted | undefined> {
    const { path, query } = target;
    const readVdn = () => forwardedCallVdn({ path, query, contentType: request.headers['content-type'], body: undefined });
    try {
      if (config.authMode === 'passthrough') return { ak: null, vdn: readVdn() };
      const key = await authenticate(
        request.headers.authorization,
        { method: request.method!, path, query, headers: request.headers, body: '' },
        { nowMs: receivedAt, skewMs, findKey: (ak) => keys.find(ak) },
      );
      const vdn = readVdn();
      return canAccessVdn(key, vdn) ? { ak: key.ak, vdn } : undefined;
    } catch {
      return undefined;
    }
  }

  async function serve(request: IncomingMessage, response: ServerResponse): Promise<void> {
    const receivedAt = Date.now();
    const started = performance.now();
    const target = targetOf(request);
    const admitted = await admit(request, target, receivedAt);
    if (!admitted) {
      general(request, response);
      return;
    }
    const method = request.method!;
    const clientIp = request.socket.remoteAddress ?? '';
    const match = matchRoute(target.path);
    const route = match.route?.name ?? 'unknown';

    const send = async ({ status, headers, body, result }: LaneAnswer): Promise<void> => {
      const recordOfCall = () => recordOf({
        receivedAt, target, method, pathParams: match.params, body: undefined, result, httpStatus: status,
        vdnId: admitted.vdn, ak: admitted.ak, clientIp, durationMs: Math.round((performance.now() - started) * 1000) / 1000,
      }, recording!);
      const sent = () => {
        metrics.requests.inc({ route, method, status });
        if (recording && !recording.durable) recording.writer.enqueue(recordOfCall());
      };
      if (Buffer.isBuffer(body) && status !== 204 && status !== 304) headers['content-length'] = String(body.length);
      // Throws for a header Node cannot send, before anything is recorded; nothing leaves before `end`.
      response.writeHead(status, headers);
      // Durable: the answer leaves once its record has committed.
      if (recording?.durable) await recording.writer.enqueueDurable(recordOfCall());
      if (Buffer.isBuffer(body)) {
        response.end(body);
        sent();
      } else {
        pipeline(body, response, sent);
      }
    };

    let answer: LaneAnswer;
    try {
      const forwarded = await exchange({ method, target, headers: request.headers, clientIp, body: undefined }, route, forwarding, app.log);
      answer = { status: forwarded.status, headers: endToEndHeaders(forwarded.headers), body: forwarded.body, result: forwardedResult(forwarded) };
    } catch (error) {
      answer = errorAnswer(error as CalllogsError);
    }
    try {
      await send(answer);
    } catch (error) {
      // As the general path's error handler: the error's kind in the log, "internal error" in the answer.
      app.log.error({ errType: (error as Error).name, errMessage: (error as Error).message }, 'internal error');
      if (!Buffer.isBuffer(answer.body)) answer.body.destroy();
      if (response.headersSent) response.destroy();
      else await send(errorAnswer(new CalllogsError('INTERNAL', 'internal error')));
    }
  }

  server.removeListener('request', general);
  server.on('request', (request: IncomingMessage, response: ServerResponse) => {
    if (takes(request)) serve(request, response).catch(() => response.destroy());
    else general(request, response);
  });
}
