import proxyAddr from '@fastify/proxy-addr';
import type { FastifyInstance } from 'fastify';
import type { IncomingHttpHeaders, IncomingMessage, ServerResponse } from 'node:http';
import { pipeline, type Readable } from 'node:stream';
import type { KeyStore } from '../../auth/key-store.js';
import { authenticate } from '../../auth/verify.js';
import { forwardedCallVdn } from '../../contract/call-vdn.js';
import { BoundedMap } from '../../contract/bounded-map.js';
import { CalllogsError } from '../../contract/codes.js';
import { reroutingHeaderRefusal, type RequestTarget } from '../../contract/request-target.js';
import { errorBodyOf } from '../../contract/response.js';
import { matchRoute, type RouteMatch } from '../../record/catalog.js';
import type { IdGenerator } from '../../record/ids.js';
import type { Redactor } from '../../record/redact.js';
import type { RecordWriter } from '../../record/writer.js';
import { scopeRefusal } from '../plugins/authentication.js';
import { bodyCutShort } from '../plugins/errors.js';
import { recordOf } from '../plugins/recording.js';
import { valueOfBytes } from '../request-body.js';
import { targetOf, type CallResult } from '../request-state.js';
import { exchange, forwardedResult, type Forwarding } from './forwarding.js';
import { endToEndHeaders } from './headers.js';

export interface DirectLaneOptions {
  forwarding: Forwarding;
  keys: KeyStore;
  skewMs: number;
  /** Largest body the lane reads (a longer one is the general path's 413). */
  bodyLimit: number;
  /** The caller's address is the first of `X-Forwarded-For` (`--trust-proxy`), as Fastify reads it. */
  trustProxy: boolean;
  /** How calls are recorded; undefined when recording is off. */
  recording: { writer: RecordWriter; ids: IdGenerator; redact: Redactor; durable: boolean } | undefined;
}

type RequestListener = (request: IncomingMessage, response: ServerResponse) => void;

/** A method and path as the lane finds it. */
interface LaneRoute {
  /** The router hands such calls to the gateway's route. */
  forwarded: boolean;
  match: RouteMatch;
}

/** What the lane answers a call with. */
interface LaneAnswer {
  status: number;
  headers: Record<string, string | string[]>;
  body: Buffer | Readable;
  result: CallResult;
}

/** The methods whose calls the lane takes (HEAD, OPTIONS and the rest keep Fastify's handling). */
const LANE_METHODS = new Set(['GET', 'DELETE', 'POST', 'PUT', 'PATCH']);

/** A contract error as the general path answers it (errors.ts `sendError`). */
function errorAnswer(error: CalllogsError): LaneAnswer {
  const headers: Record<string, string> = { 'content-type': 'application/json; charset=utf-8' };
  if (error.retryAfter !== undefined) headers['retry-after'] = String(error.retryAfter);
  return { status: error.status, headers, body: Buffer.from(JSON.stringify(errorBodyOf(error))), result: { code: error.code, desc: error.message } };
}

/** The whole body of a request whose length is known; undefined when the caller went away first. */
function readBody(request: IncomingMessage): Promise<Buffer | undefined> {
  return new Promise((resolve) => {
    const chunks: Buffer[] = [];
    request.on('data', (chunk: Buffer) => chunks.push(chunk));
    request.once('end', () => resolve(Buffer.concat(chunks)));
    request.once('error', () => resolve(undefined));
    request.once('close', () => resolve(undefined));
  });
}

const NO_BYTES = Buffer.alloc(0);

const TRUST_ALL = (): boolean => true;

/** Longer paths are looked up each time: the routes kept stay a few megabytes at most. */
const ROUTE_PATH_MAX = 512;

function hasBody(headers: IncomingHttpHeaders): boolean {
  const length = headers['content-length'];
  return length !== undefined && length !== '0';
}

/**
 * The direct lane: forwarded calls whose whole reading is ours — a target with one reading, no
 * re-routing header, no body or one of a declared length within the limit — are served by a plain
 * Node request listener, without Fastify's request cycle (what that saves: bench/gateway.mjs
 * --baseline). They meet the same functions as every other call: the target's one reading
 * (`targetOf`), the signature check, the VDN reading and scope, the forwarded request, the
 * contract's error bodies and the record; test/gateway/direct-lane.test.ts holds the two paths to
 * the same answers and records. Everything else goes to the Fastify application untouched.
 */
export function installDirectLane(app: FastifyInstance, options: DirectLaneOptions): void {
  const { forwarding, keys, skewMs, bodyLimit, trustProxy, recording } = options;
  const { metrics, config } = forwarding;
  const passthrough = config.authMode === 'passthrough';
  const server = app.server;
  const general = server.listeners('request')[0] as RequestListener;

  // Each method and path's route, found once: the router's routes are fixed once the server
  // listens, and calls repeat their paths (the router's lookup was ~2 us of a call in the profile).
  const routes = new BoundedMap<string, LaneRoute>(4096);

  /** The call's route: whether the router hands it to the gateway's route (the only wildcard route under the prefix), and its catalog interface. */
  function routeOf(method: string, { path }: RequestTarget): LaneRoute {
    const key = `${method} ${path}`;
    let route = routes.get(key);
    if (route === undefined) {
      const forwarded = app.findRoute({ method: method as 'GET', url: path })?.params['*'] !== undefined;
      const match = matchRoute(path);
      // Shared by every call of the path: nothing may change it.
      Object.freeze(match.params);
      route = { forwarded, match };
      if (path.length <= ROUTE_PATH_MAX) routes.set(key, route);
    }
    return route;
  }

  /** No body, or one the lane can read whole: of a declared length within the limit (passthrough streams every body). */
  function readableBody(headers: IncomingHttpHeaders): boolean {
    if (headers['transfer-encoding'] !== undefined) return false;
    return !hasBody(headers) || (!passthrough && Number(headers['content-length']) <= bodyLimit);
  }

  /** Fastify's `request.ip`: with a trusted proxy, the farthest address `X-Forwarded-For` names. */
  function callerAddress(request: IncomingMessage): string {
    if (!trustProxy) return request.socket.remoteAddress ?? '';
    return proxyAddr.all(request, TRUST_ALL).at(-1) ?? '';
  }

  /** The call's catalog interface when the lane takes the call; undefined when it goes the general path. */
  function takes(request: IncomingMessage): RouteMatch | undefined {
    const method = request.method!;
    if (!LANE_METHODS.has(method) || !readableBody(request.headers)) return undefined;
    // Fastify reads no GET body (and forwards none): such a call stays on its path.
    if (method === 'GET' && hasBody(request.headers)) return undefined;
    const target = targetOf(request);
    if (target.refusal || !target.recorded || reroutingHeaderRefusal(request.headers)) return undefined;
    // A full record queue holds the call back (or refuses it, durable): the general path does that.
    if (recording?.writer.isFull) return undefined;
    const { forwarded, match } = routeOf(method, target);
    return forwarded ? match : undefined;
  }

  /** As the general path's error handler: a contract error as it is; anything else logged by its kind and answered "internal error". */
  function failureAnswer(error: unknown): LaneAnswer {
    if (error instanceof CalllogsError) return errorAnswer(error);
    app.log.error({ errType: (error as Error).name, errMessage: (error as Error).message }, 'internal error');
    return errorAnswer(new CalllogsError('INTERNAL', 'internal error'));
  }

  async function serve(request: IncomingMessage, response: ServerResponse, match: RouteMatch): Promise<void> {
    const receivedAt = Date.now();
    const started = performance.now();
    const method = request.method!;
    const target = targetOf(request);
    const { path, query } = target;
    const clientIp = callerAddress(request);
    const route = match.route?.name ?? 'unknown';
    const received = hasBody(request.headers) ? await readBody(request) : NO_BYTES;
    // As the general path holds it: the bytes, or undefined for none.
    const body = received?.length ? received : undefined;
    let ak: string | null = null;
    let vdn: number | null = null;

    const send = async ({ status, headers, body: answer, result }: LaneAnswer): Promise<void> => {
      const recordOfCall = () => recordOf({
        receivedAt, target, method, pathParams: match.params, body: body && valueOfBytes(body), result,
        httpStatus: status, vdnId: vdn, ak, clientIp, durationMs: Math.round((performance.now() - started) * 1000) / 1000,
      }, recording!);
      const sent = () => {
        metrics.requests.inc({ route, method, status });
        if (recording && !recording.durable) recording.writer.enqueue(recordOfCall());
      };
      if (Buffer.isBuffer(answer) && status !== 204 && status !== 304) headers['content-length'] = String(answer.length);
      // Throws for a header Node cannot send, before anything is recorded; nothing leaves before `end`.
      response.writeHead(status, headers);
      // Durable: the answer leaves once its record has committed.
      if (recording?.durable) await recording.writer.enqueueDurable(recordOfCall());
      if (Buffer.isBuffer(answer)) {
        response.end(answer);
        sent();
      } else {
        pipeline(answer, response, sent);
      }
    };

    /** The answer: a refusal (in the general path's order: signature, VDN, scope), else the upstream's. */
    const answer = async (): Promise<LaneAnswer> => {
      if (!received) return errorAnswer(bodyCutShort());
      let reading: CalllogsError | undefined;
      try {
        vdn = forwardedCallVdn({ path, query, contentType: request.headers['content-type'], body });
      } catch (error) {
        reading = error as CalllogsError;
      }
      try {
        if (!passthrough) {
          const key = await authenticate(
            request.headers.authorization,
            { method, path, query, headers: request.headers, body: body ?? '' },
            { nowMs: receivedAt, skewMs, findKey: (id) => keys.find(id) },
          );
          ak = key.ak;
          if (reading) throw reading;
          const refusal = scopeRefusal(key, vdn);
          if (refusal) throw refusal;
        }
        const forwarded = await exchange({ method, target, headers: request.headers, clientIp, body }, route, forwarding, app.log);
        return { status: forwarded.status, headers: endToEndHeaders(forwarded.headers), body: forwarded.body, result: forwardedResult(forwarded) };
      } catch (error) {
        return failureAnswer(error);
      }
    };

    const chosen = await answer();
    try {
      await send(chosen);
    } catch (error) {
      if (!Buffer.isBuffer(chosen.body)) chosen.body.destroy();
      if (response.headersSent) response.destroy();
      else await send(failureAnswer(error));
    }
  }

  server.removeListener('request', general);
  server.on('request', (request: IncomingMessage, response: ServerResponse) => {
    const match = takes(request);
    if (match) serve(request, response, match).catch(() => response.destroy());
    else general(request, response);
  });
}
