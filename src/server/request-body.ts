import type { FastifyRequest } from 'fastify';

/**
 * The body as a value, parsed at most once: the handler's parsed JSON, else JSON if it parses,
 * else its text (so a record shows what was really sent); undefined when there is none.
 */
export function bodyValue(request: FastifyRequest): unknown {
  if (request.parsedBody !== undefined) return request.parsedBody;
  const raw = request.body;
  if (!Buffer.isBuffer(raw) || raw.length === 0) return undefined;
  const text = raw.toString('utf8');
  try {
    request.parsedBody = JSON.parse(text);
  } catch {
    request.parsedBody = text;
  }
  return request.parsedBody;
}
