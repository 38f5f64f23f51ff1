import type { FastifyRequest } from 'fastify';
import { parsedJsonOf } from '../contract/parsed-bodies.js';

/**
 * The body as a value, parsed at most once: the handler's parsed JSON, else JSON if it parses,
 * else its text (so a record shows what was really sent); undefined when there is none.
 */
export function bodyValue(request: FastifyRequest): unknown {
  if (request.parsedBody !== undefined) return request.parsedBody;
  const raw = request.body;
  if (!Buffer.isBuffer(raw) || raw.length === 0) return undefined;
  request.parsedBody = valueOfBytes(raw);
  return request.parsedBody;
}

/** JSON if the bytes parse as JSON (as the VDN reading parsed them, if it did), else their text. */
export function valueOfBytes(bytes: Buffer): unknown {
  const parsed = parsedJsonOf(bytes);
  if (parsed !== undefined) return parsed;
  const text = bytes.toString('utf8');
  try {
    return JSON.parse(text);
  } catch {
    return text;
  }
}
