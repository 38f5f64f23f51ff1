import type { FastifyInstance, FastifyRequest } from 'fastify';
import fp from 'fastify-plugin';
import { matchRoute, RECORDED_PREFIX } from '../../record/catalog.js';
import type { Metrics } from '../metrics.js';
import { splitUrl } from '../url.js';

/** A bounded label: the catalog interface's name, else the server route, never the raw path. */
export function routeLabel(request: FastifyRequest): string {
  const { path } = splitUrl(request.url);
  if (path.startsWith(RECORDED_PREFIX)) return matchRoute(path).route?.name ?? 'unknown';
  return request.routeOptions.url ?? 'unmatched';
}

/** Counts every answer and serves `GET /metrics` (Prometheus text format; not an OpenAPI call). */
export const metricsPlugin = fp(async (app: FastifyInstance, options: { metrics: Metrics }) => {
  const { metrics } = options;
  app.addHook('onResponse', async (request, reply) => {
    metrics.requests.inc({ route: routeLabel(request), method: request.method, status: reply.statusCode });
  });
  app.get('/metrics', async (_request, reply) => {
    reply.header('content-type', metrics.registry.contentType);
    return metrics.registry.metrics();
  });
});
