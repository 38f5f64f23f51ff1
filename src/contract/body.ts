import { CalllogsError, fieldError } from './codes.js';

const utf8 = new TextDecoder('utf-8', { fatal: true });

/** `application/json`, with any parameters (charset ...), case-insensitive. */
export function isJsonContentType(contentType: string | undefined): boolean {
  if (!contentType) return false;
  return contentType.split(';', 1)[0]!.trim().toLowerCase() === 'application/json';
}

export function requireJsonContentType(contentType: string | undefined): void {
  if (!isJsonContentType(contentType)) {
    throw new CalllogsError('UNSUPPORTED_MEDIA_TYPE', 'Content-Type: must be application/json');
  }
}

/** Decodes and parses a request body as JSON; empty, non-UTF-8 and malformed bodies are parameter errors. */
export function parseJsonBody(raw: Uint8Array): unknown {
  if (raw.length === 0) throw fieldError('EMPTY_PARAMETER', 'body', 'is required');
  let text: string;
  try {
    text = utf8.decode(raw);
  } catch {
    throw fieldError('CONVERSION_ERROR', 'body', 'is not valid UTF-8');
  }
  try {
    return JSON.parse(text);
  } catch {
    throw fieldError('CONVERSION_ERROR', 'body', 'is not valid JSON');
  }
}
