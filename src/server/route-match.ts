import type { FastifyRequest } from 'fastify';
import { matchRoute, type RouteMatch } from '../record/catalog.js';

const NO_MATCH: RouteMatch = { route: undefined, params: {} };

/** The request's catalog interface and path parameters, matched once (metrics and records both ask); none for a refused target. */
export function routeMatchOf(request: FastifyRequest): RouteMatch {
  const { path, refusal } = request.target;
  return (request.routeMatch ??= refusal ? NO_MATCH : matchRoute(path));
}
