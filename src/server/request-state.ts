import type { ApiKey } from '../auth/keys.js';

/** What a request accumulates on its way through the hooks, read back when it is recorded. */
export interface CallResult {
  code: string;
  desc: string;
}

declare module 'fastify' {
  interface FastifyRequest {
    /** Receive time, epoch milliseconds. */
    receivedAt: number;
    /** The key that signed the request, once verified. */
    apiKey: ApiKey | undefined;
    /** The JSON body, once a handler has parsed it. */
    parsedBody: unknown;
    /** The result code and description the answer carries. */
    callResult: CallResult | undefined;
  }
}
