import { readFileSync } from 'node:fs';
import type { Readable } from 'node:stream';
import { Pool, errors as undiciErrors } from 'undici';
import { CalllogsError } from '../../contract/codes.js';
import type { UpstreamConfig } from '../config.js';
import { AnswerReader, type UpstreamAnswer } from './answer-reader.js';

export interface UpstreamCall {
  method: string;
  /** Path and query, as the caller sent them. */
  url: string;
  headers: Record<string, string | string[]>;
  /** Bytes received whole, or a body still streaming in. */
  body: Buffer | Readable | undefined;
}

const TIMEOUT_CODES = new Set(['UND_ERR_CONNECT_TIMEOUT', 'UND_ERR_HEADERS_TIMEOUT', 'UND_ERR_BODY_TIMEOUT']);

/**
 * The upstream's failure as the gateway's own answer: a timeout (while connecting or waiting for
 * the answer) is 504, anything else that kept an answer from arriving (refused, reset, DNS, TLS)
 * is 502. The description names the kind of failure, not addresses or stack frames.
 */
export function upstreamFailure(error: unknown): CalllogsError {
  const code = (error as { code?: string }).code ?? '';
  if (TIMEOUT_CODES.has(code) || error instanceof undiciErrors.ConnectTimeoutError) {
    return new CalllogsError('GATEWAY_TIMEOUT', 'upstream: did not answer in time');
  }
  return new CalllogsError('BAD_GATEWAY', `upstream: unreachable (${code || 'connection failed'})`);
}

/** The vendor's server: a pool of keep-alive connections through which calls are forwarded. */
export class Upstream {
  readonly origin: URL;
  private readonly pool: Pool;

  constructor(config: UpstreamConfig) {
    this.origin = new URL(config.url);
    this.pool = new Pool(this.origin.origin, {
      connections: config.connections,
      headersTimeout: config.timeoutMs,
      bodyTimeout: config.timeoutMs,
      connect: {
        timeout: config.connectTimeoutMs,
        ...(config.caFile ? { ca: readFileSync(config.caFile) } : {}),
      },
    });
  }

  /**
   * Sends the call; resolves once the answer's first `prefixBytes` arrived (or all of it, when
   * shorter), the rest still streaming. A dispatch handler rather than `request`: no body stream
   * and no promise chain for the short answers that are nearly every call.
   */
  forward(call: UpstreamCall, prefixBytes: number): Promise<UpstreamAnswer> {
    return new Promise((resolve, reject) => {
      this.pool.dispatch(
        { method: call.method, path: call.url, headers: call.headers, body: call.body ?? null },
        new AnswerReader(prefixBytes, resolve, reject),
      );
    });
  }

  close(): Promise<void> {
    return this.pool.close();
  }
}
