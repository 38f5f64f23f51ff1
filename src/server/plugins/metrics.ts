import type { FastifyInstance, FastifyRequest } from 'fastify';
import fp from 'fastify-plugin';
import type { Metrics } from '../metrics.js';
import { routeMatchOf } from '../route-match.js';

/** A bounded label: the catalog interface's name, else the server route, never the raw path. */
export function routeLabel(request: FastifyRequest): string {
  if (request.target.recorded) return routeMatchOf(request).route?.name ?? 'unknown';
  return request.routeOptions.url ?? 'unmatched';
}

/** Counts every answer and serves `GET /metrics` (Prometheus text format; not an OpenAPI call). */
export const metricsPlugin = fp(async (app: FastifyInstance, options: { metrics: Metrics }) => {
  const { metrics } = options;
  app.addHook('onResponse', (request, reply, done) => {
    metrics.requests.inc({ route: routeLabel(request), method: request.method, status: reply.statusCode });
    done();
  });
  app.get('/metrics', async (_request, reply) => {
    reply.header('content-type', metrics.registry.contentType);
    return metrics.render();
  });
});
