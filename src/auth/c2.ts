import { createHmac, timingSafeEqual } from 'node:crypto';
import { authPrefix, canonicalRequest, type AuthorizationParts, type SignableRequest } from './c2-canonical.js';

/** The C2 signature with node:crypto; the canonical request comes from c2-canonical.ts. */
export * from './c2-canonical.js';

export function signingKey(sk: string, prefix: string): string {
  return createHmac('sha256', sk).update(prefix).digest('hex');
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
