import { CalllogsError } from '../contract/codes.js';
import { computeSignature, parseAuthorization, signaturesEqual, type SignableRequest } from './c2.js';
import type { ApiKey } from './keys.js';

export const DEFAULT_SKEW_MS = 15 * 60 * 1000;

export interface VerifyOptions {
  nowMs: number;
  /** Largest allowed distance between the signature's timestamp and `nowMs`. */
  skewMs: number;
  findKey: (ak: string) => Promise<ApiKey | undefined>;
}

function unauthorized(reason: string): CalllogsError {
  return new CalllogsError('UNAUTHORIZED', `Authorization: ${reason}`);
}

/**
 * Checks a request's C2 signature (c2-signing.md, "What a verifier must do") and returns the key
 * that signed it; throws a 401 `CalllogsError` naming what is wrong.
 */
export async function authenticate(
  authorization: string | undefined,
  request: SignableRequest,
  options: VerifyOptions,
): Promise<ApiKey> {
  if (!authorization) throw unauthorized('header is missing');
  const parts = parseAuthorization(authorization);
  if (!parts) throw unauthorized('malformed header, expected auth-v2/{AK}/{timestamp}/{signedHeaders}/{signature}');
  if (!parts.signedHeaders.includes('host')) throw unauthorized('signedHeaders must include host');
  if (Math.abs(options.nowMs - parts.signedAtMs) > options.skewMs) {
    throw unauthorized(`timestamp is outside the allowed clock skew of ${Math.round(options.skewMs / 1000)} s`);
  }
  const key = await options.findKey(parts.ak);
  if (!key || key.disabled) throw unauthorized('unknown or disabled access key');
  const expected = computeSignature(key.sk, parts, request);
  if (!signaturesEqual(expected, parts.signature)) throw unauthorized('signature does not match the request');
  return key;
}
