import type { FastifyRequest } from 'fastify';
import { matchRoute, type RouteMatch } from '../record/catalog.js';
import { splitUrl } from './url.js';

/** The request's catalog interface and path parameters, matched once (metrics and records both ask). */
export function routeMatchOf(request: FastifyRequest): RouteMatch {
  return (request.routeMatch ??= matchRoute(splitUrl(request.url).path));
}
