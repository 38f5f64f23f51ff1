import type { FastifyRequest } from 'fastify';
import { canAccessVdn } from '../../auth/keys.js';
import type { KeyStore } from '../../auth/key-store.js';
import { authenticate } from '../../auth/verify.js';
import { CalllogsError } from '../../contract/codes.js';
import { vdnOfCall } from '../../record/catalog.js';
import { bodyValue } from '../request-body.js';
import { splitUrl } from '../url.js';

export interface AuthenticationOptions {
  keys: KeyStore;
  skewMs: number;
}

function signableHeaders(request: FastifyRequest): Record<string, string> {
  const headers: Record<string, string> = {};
  for (const [name, value] of Object.entries(request.headers)) {
    if (value !== undefined) headers[name] = Array.isArray(value) ? value.join(', ') : value;
  }
  return headers;
}

/**
 * A preHandler hook: verifies the C2 signature over the bytes received (401), then the key's VDN
 * scope against the VDN the call names in its path or body (403). A path VDN that is not valid is
 * left to the handler; a call naming no VDN is allowed to any valid key.
 */
export function authenticationHook(options: AuthenticationOptions) {
  return async (request: FastifyRequest): Promise<void> => {
    const { path, query } = splitUrl(request.url);
    const key = await authenticate(
      request.headers.authorization,
      {
        method: request.method,
        path,
        query,
        headers: signableHeaders(request),
        body: Buffer.isBuffer(request.body) ? request.body : '',
      },
      { nowMs: request.receivedAt, skewMs: options.skewMs, findKey: (ak) => options.keys.find(ak) },
    );
    request.apiKey = key;
    const vdn = vdnOfCall(path, () => bodyValue(request));
    if (vdn !== null && !canAccessVdn(key, vdn)) {
      throw new CalllogsError('FORBIDDEN', `vdnId: the access key may not act on VDN ${vdn}`);
    }
  };
}
