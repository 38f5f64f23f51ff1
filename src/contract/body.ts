import { CalllogsError, fieldError } from './codes.js';

const utf8 = new TextDecoder('utf-8', { fatal: true, ignoreBOM: true });

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

/**
 * A body as UTF-8 text. A leading byte order mark is skipped where only we read the body (our own
 * interfaces), and refused where an upstream reads it too (it might not skip it).
 */
export function bodyText(raw: Uint8Array, byteOrderMark: 'skip' | 'refuse'): string {
  let text: string;
  try {
    text = utf8.decode(raw);
  } catch {
    throw fieldError('CONVERSION_ERROR', 'body', 'is not valid UTF-8');
  }
  if (!text.startsWith('\uFEFF')) return text;
  if (byteOrderMark === 'refuse') throw fieldError('CONVERSION_ERROR', 'body', 'must not start with a byte order mark');
  return text.slice(1);
}

export function parseJsonText(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    throw fieldError('CONVERSION_ERROR', 'body', 'is not valid JSON');
  }
}

/** Decodes and parses a request body to one of our interfaces; empty, non-UTF-8 and malformed bodies are parameter errors. */
export function parseJsonBody(raw: Uint8Array): unknown {
  if (raw.length === 0) throw fieldError('EMPTY_PARAMETER', 'body', 'is required');
  return parseJsonText(bodyText(raw, 'skip'));
}
