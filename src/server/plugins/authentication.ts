import type { FastifyRequest } from 'fastify';
import { canAccessVdn, type ApiKey } from '../../auth/keys.js';
import type { KeyStore } from '../../auth/key-store.js';
import { authenticate } from '../../auth/verify.js';
import { CalllogsError } from '../../contract/codes.js';
import { callVdn } from '../call-vdn.js';

export interface AuthenticationOptions {
  keys: KeyStore;
  skewMs: number;
}

/**
 * A preHandler hook: verifies the C2 signature over the bytes received (401), reads the VDN the
 * call acts on (400 when it can be read more than one way) and checks it against the key's scope
 * (403). A call that names no VDN is in the scope of all-VDN keys only: nothing says which
 * tenant's data it touches.
 */
export function authenticationHook(options: AuthenticationOptions) {
  return async (request: FastifyRequest): Promise<void> => {
    const { path, query } = request.target;
    const key = await authenticate(
      request.headers.authorization,
      {
        method: request.method,
        path,
        query,
        headers: request.headers,
        body: Buffer.isBuffer(request.body) ? request.body : '',
      },
      { nowMs: request.receivedAt, skewMs: options.skewMs, findKey: (ak) => options.keys.find(ak) },
    );
    request.apiKey = key;
    const refusal = scopeRefusal(key, callVdn(request));
    if (refusal) throw refusal;
  };
}

/** Why `key` may not act on `vdn`; undefined when it may. */
export function scopeRefusal(key: ApiKey, vdn: number | null): CalllogsError | undefined {
  if (canAccessVdn(key, vdn)) return undefined;
  return new CalllogsError('FORBIDDEN', vdn === null
    ? 'vdnId: the call names no VDN, which only an all-VDN access key may do'
    : `vdnId: the access key may not act on VDN ${vdn}`);
}
