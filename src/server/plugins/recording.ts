import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import fp from 'fastify-plugin';
import type { CallRecord } from '../../contract/record.js';
import { matchRoute, OPENAPI_PREFIX, vdnOfPath } from '../../record/catalog.js';
import type { IdGenerator } from '../../record/ids.js';
import type { Redactor } from '../../record/redact.js';
import { describeRequest } from '../../record/request-params.js';
import type { RecordWriter } from '../../record/writer.js';
import { splitUrl } from '../url.js';

export interface RecordingOptions {
  writer: RecordWriter;
  ids: IdGenerator;
  redact: Redactor;
}

/** The body as recorded: the handler's parsed JSON, else JSON if it parses, else its text. */
function recordedBody(request: FastifyRequest): unknown {
  if (request.parsedBody !== undefined) return request.parsedBody;
  const raw = request.body;
  if (!Buffer.isBuffer(raw) || raw.length === 0) return undefined;
  const text = raw.toString('utf8');
  try {
    return JSON.parse(text);
  } catch {
    return text;
  }
}

export function buildRecord(request: FastifyRequest, reply: FastifyReply, options: RecordingOptions): CallRecord {
  const { path, query } = splitUrl(request.url);
  const result = request.callResult ?? { code: `0200${reply.statusCode}`, desc: '' };
  return {
    id: options.ids(request.receivedAt),
    operTime: request.receivedAt,
    url: path,
    request: describeRequest({ pathParams: matchRoute(path).params, query, body: recordedBody(request) }, options.redact),
    resultCode: result.code,
    resultDesc: result.desc,
    httpStatus: reply.statusCode,
    type: request.method,
    vdnId: vdnOfPath(path),
    ak: request.apiKey?.ak ?? null,
    clientIp: request.ip,
    durationMs: Math.round(reply.elapsedTime * 1000) / 1000,
  };
}

/**
 * Stamps every request on arrival and, once its answer is sent, queues a record of every call under
 * the OpenAPI prefix, whatever its outcome. While the writer's queue is full, new requests wait for
 * room (back-pressure) instead of records being dropped.
 */
export const recordingPlugin = fp(async (app: FastifyInstance, options: RecordingOptions) => {
  app.decorateRequest('receivedAt', 0);
  app.decorateRequest('apiKey', undefined);
  app.decorateRequest('parsedBody', undefined);
  app.decorateRequest('callResult', undefined);

  app.addHook('onRequest', async (request) => {
    request.receivedAt = Date.now();
    if (options.writer.isFull) await options.writer.waitForSpace();
  });

  app.addHook('onResponse', async (request, reply) => {
    if (request.url.startsWith(OPENAPI_PREFIX)) options.writer.enqueue(buildRecord(request, reply, options));
  });
});
