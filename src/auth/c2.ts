import { createHmac, timingSafeEqual } from 'node:crypto';
import { BoundedMap } from '../contract/bounded-map.js';
import { authPrefix, canonicalRequest, type AuthorizationParts, type SignableRequest } from './c2-canonical.js';

/** The C2 signature with node:crypto; the canonical request comes from c2-canonical.ts. */
export * from './c2-canonical.js';

/**
 * The last key derived with each SK, with its prefix: a busy client signs many calls per second
 * with one prefix, and past seconds are never asked for again. Keyed by the SK, whose hash the
 * string keeps, rather than by SK and prefix joined, which would be a new string to hash each call.
 */
const lastSigningKeys = new BoundedMap<string, { prefix: string; key: string }>(4096);

/**
 * The key a signature is made with, HMAC(SK, prefix). The prefix names the AK, the second and the
 * signed headers, so calls of one client within a second share it: computed once, then reused.
 */
export function signingKey(sk: string, prefix: string): string {
  const last = lastSigningKeys.get(sk);
  if (last?.prefix === prefix) return last.key;
  const key = createHmac('sha256', sk).update(prefix).digest('hex');
  lastSigningKeys.set(sk, { prefix, key });
  return key;
}

/** The hex signature of `req` for the given key, timestamp and signed header names. */
export function computeSignature(
  sk: string,
  parts: Omit<AuthorizationParts, 'signature'>,
  req: SignableRequest,
): string {
  const key = signingKey(sk, authPrefix(parts.ak, parts.timestamp, parts.signedHeaders));
  return createHmac('sha256', key).update(canonicalRequest(req, parts.signedHeaders)).digest('hex');
}

/** Compares two hex signatures without leaking where they differ. */
export function signaturesEqual(a: string, b: string): boolean {
  const x = Buffer.from(a, 'utf8');
  const y = Buffer.from(b, 'utf8');
  return x.length === y.length && timingSafeEqual(x, y);
}
