import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import fp from 'fastify-plugin';
import { CalllogsError } from '../../contract/codes.js';
import type { CallRecord } from '../../contract/record.js';
import { RECORDED_PREFIX, vdnOfCall } from '../../record/catalog.js';
import type { IdGenerator } from '../../record/ids.js';
import type { Redactor } from '../../record/redact.js';
import { describeRequest } from '../../record/request-params.js';
import type { RecordWriter } from '../../record/writer.js';
import type { Metrics } from '../metrics.js';
import { bodyValue } from '../request-body.js';
import { routeMatchOf } from '../route-match.js';
import { splitUrl } from '../url.js';
import { sendError } from './errors.js';

export interface RecordingOptions {
  writer: RecordWriter;
  ids: IdGenerator;
  redact: Redactor;
  metrics: Metrics;
  /** Release each response only once its record has committed. */
  durable: boolean;
}

export function buildRecord(request: FastifyRequest, reply: FastifyReply, options: Pick<RecordingOptions, 'ids' | 'redact'>): CallRecord {
  const { path, query } = splitUrl(request.url);
  const result = request.callResult ?? { code: `0200${reply.statusCode}`, desc: '' };
  const body = bodyValue(request);
  return {
    id: options.ids(request.receivedAt),
    operTime: request.receivedAt,
    url: path,
    request: describeRequest({ pathParams: routeMatchOf(request).params, query, body }, options.redact),
    resultCode: result.code,
    resultDesc: result.desc,
    httpStatus: reply.statusCode,
    type: request.method,
    vdnId: vdnOfCall(path, () => body),
    ak: request.apiKey?.ak ?? null,
    clientIp: request.ip,
    durationMs: Math.round(reply.elapsedTime * 1000) / 1000,
  };
}

const isRecorded = (request: FastifyRequest): boolean => request.url.startsWith(RECORDED_PREFIX);

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

  app.addHook('onResponse', (request, reply, done) => {
    if (isRecorded(request) && !request.recordQueued) writer.enqueue(buildRecord(request, reply, options));
    done();
  });
});
