import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import fp from 'fastify-plugin';
import { CalllogsError } from '../../contract/codes.js';
import type { CallRecord } from '../../contract/record.js';
import type { RequestTarget } from '../../contract/request-target.js';
import type { IdGenerator } from '../../record/ids.js';
import type { Redactor } from '../../record/redact.js';
import { describeRequest } from '../../record/request-params.js';
import type { RecordWriter } from '../../record/writer.js';
import { recordedVdn } from '../call-vdn.js';
import type { Metrics } from '../metrics.js';
import { bodyValue } from '../request-body.js';
import type { CallResult } from '../request-state.js';
import { routeMatchOf } from '../route-match.js';
import { bodyCutShort, sendError } from './errors.js';

export interface RecordingOptions {
  writer: RecordWriter;
  ids: IdGenerator;
  redact: Redactor;
  metrics: Metrics;
  /** Release each response only once its record has committed. */
  durable: boolean;
}

/** Everything a record is made of, whether Fastify saw the call or only the HTTP parser did. */
export interface AnsweredCall {
  receivedAt: number;
  target: RequestTarget;
  method: string;
  pathParams: Record<string, string>;
  body: unknown;
  result: CallResult;
  httpStatus: number;
  vdnId: number | null;
  ak: string | null;
  clientIp: string;
  durationMs: number;
}

export function recordOf(call: AnsweredCall, options: Pick<RecordingOptions, 'ids' | 'redact'>): CallRecord {
  return {
    id: options.ids(call.receivedAt),
    operTime: call.receivedAt,
    url: call.target.path,
    request: describeRequest({ pathParams: call.pathParams, query: call.target.query, body: call.body }, options.redact),
    resultCode: call.result.code,
    resultDesc: call.result.desc,
    httpStatus: call.httpStatus,
    type: call.method,
    vdnId: call.vdnId,
    ak: call.ak,
    clientIp: call.clientIp,
    durationMs: call.durationMs,
  };
}

export function buildRecord(request: FastifyRequest, reply: FastifyReply, options: Pick<RecordingOptions, 'ids' | 'redact'>): CallRecord {
  return recordOf({
    receivedAt: request.receivedAt,
    target: request.target,
    method: request.method,
    pathParams: routeMatchOf(request).params,
    body: bodyValue(request),
    result: request.callResult ?? { code: `0200${reply.statusCode}`, desc: '' },
    httpStatus: reply.statusCode,
    vdnId: recordedVdn(request),
    ak: request.apiKey?.ak ?? null,
    clientIp: request.clientIp,
    durationMs: Math.round(reply.elapsedTime * 1000) / 1000,
  }, options);
}

const isRecorded = (request: FastifyRequest): boolean => request.target.recorded;

/**
 * Records every call under /rest/isales/, whatever its outcome. By default the record is queued once the answer is sent; while the queue is full, new
 * requests wait for room (back-pressure) instead of records being dropped. In durable mode the
 * answer waits until its record has committed, and a full queue is answered 503 at once (that
 * refusal's own record is queued without waiting).
 */
export const recordingPlugin = fp(async (app: FastifyInstance, options: RecordingOptions) => {
  const { writer, metrics } = options;
  // Refusals for a full queue are not held for a commit: that would wait on the very backlog
  // they report. Their records are queued like in the default mode.
  const refused = new WeakSet<FastifyRequest>();

  // Callback-style hooks: these run on every request, and an async hook costs a promise each.
  app.addHook('onRequest', (request, reply, done) => {
    if (!writer.isFull) return done();
    if (options.durable && isRecorded(request)) {
      metrics.queueFull.inc({ action: 'rejected' });
      refused.add(request);
      sendError(request, reply, new CalllogsError('UNAVAILABLE', 'records: the recording queue is full, retry later', 1));
      return;
    }
    metrics.queueFull.inc({ action: 'waited' });
    void writer.waitForSpace().then(() => done());
  });

  if (options.durable) {
    app.addHook('onSend', async (request, reply, payload) => {
      if (isRecorded(request) && !refused.has(request)) {
        request.recordQueued = true;
        await writer.enqueueDurable(buildRecord(request, reply, options));
      }
      return payload;
    });
  }

  // A caller that hangs up while sending its body reaches no handler, and Fastify runs no
  // onResponse for it: its record is made here (the direct lane records it the same way).
  app.addHook('onRequestAbort', (request, done) => {
    if (isRecorded(request) && !request.raw.complete) {
      const refusal = bodyCutShort();
      writer.enqueue(recordOf({
        receivedAt: request.receivedAt, target: request.target, method: request.method, pathParams: routeMatchOf(request).params,
        body: undefined, result: { code: refusal.code, desc: refusal.message }, httpStatus: refusal.status,
        vdnId: null, ak: null, clientIp: request.clientIp, durationMs: Date.now() - request.receivedAt,
      }, options));
    }
    done();
  });

  app.addHook('onResponse', (request, reply, done) => {
    if (isRecorded(request) && !request.recordQueued) writer.enqueue(buildRecord(request, reply, options));
    done();
  });
});
