import { Agent, request } from 'undici';
import { SUCCESS_CODE } from '../contract/codes.js';
import type { LogProof, ProofResponseBody } from '../contract/proof.js';
import type { OpenapiLog, RecordLine } from '../contract/record.js';
import type { RecordResponseBody } from '../contract/record-lookup.js';
import type { QueryResponseBody } from '../contract/response.js';
import type { StatsResponseBody, StatsResult } from '../contract/stats.js';
import { processTimeZone } from '../contract/time.js';
import type { FilterParams } from './filters.js';
import { iterateRecords, type RecordsParams } from './records.js';
import { DEFAULT_RETRY, withRetry, type RetryOptions } from './retry.js';
import { CalllogsApiError, CalllogsTransportError } from './errors.js';
import { signRequest } from '../auth/sign-request.js';
import type { ProofVerification } from '../integrity/verify-proof.js';
import { verifyWindow, type WindowVerificationOptions, type WindowVerificationParams } from './window-proofs.js';

export interface CalllogsClientOptions {
  /** `https://host:port` of the calllogs service (or the vendor's server). */
  endpoint: string;
  ak: string;
  sk: string;
  /** PEM CA bundle to trust, for servers with self-signed certificates. */
  ca?: string | Buffer;
  /** The server's time zone (IANA), in which it reads beginTime/endTime; default: this process's zone. */
  timeZone?: string;
  /** Retries of `records()` on 429, 5xx and network failures. */
  retry?: Partial<RetryOptions>;
}

export interface StatsParams extends FilterParams {
  vdnId: number;
  /** `yyyy-MM-dd HH:mm:ss`, in the server's time zone. */
  beginTime: string;
  endTime: string;
}

export interface RecordParams extends Pick<OpenapiLog, 'id' | 'operTime'> {
  vdnId: number;
}

/** A time window (`yyyy-MM-dd HH:mm:ss`, server zone) or a leaf range; `fromTreeSize`: a checkpoint held already. */
export type ProofParams = { vdnId: number; fromTreeSize?: number } & ({ beginTime: string; endTime: string } | { fromLeaf: number; toLeaf: number });

export interface PageParams extends StatsParams {
  offset: number;
  limit: number;
}

/** A typed client of the calllogs query interface, signing every call. */
export class CalllogsClient {
  private readonly endpoint: string;
  private readonly dispatcher: Agent;

  private readonly timeZone: string;
  private readonly retry: RetryOptions;

  constructor(private readonly options: CalllogsClientOptions) {
    this.endpoint = options.endpoint.replace(/\/+$/, '');
    this.dispatcher = new Agent({ connect: options.ca ? { ca: options.ca } : {} });
    this.timeZone = options.timeZone ?? processTimeZone();
    this.retry = { ...DEFAULT_RETRY, ...options.retry };
  }

  /**
   * Every record of `[from, to]` (any length), newest first, each exactly once even while records
   * arrive; pages are retried on 429 / 5xx / network failures, honouring `Retry-After`.
   */
  records(params: RecordsParams): AsyncGenerator<OpenapiLog> {
    const fetchPage = (page: PageParams) => withRetry(() => this.page(page, params.signal), this.retry, params.signal);
    return iterateRecords(fetchPage, params, this.timeZone);
  }

  /** One raw call of the interface; throws `CalllogsApiError` for an error answer. */
  page(params: PageParams, signal?: AbortSignal): Promise<QueryResponseBody> {
    const { vdnId, ...body } = params;
    return this.post<QueryResponseBody>(`/rest/isales/v1/openapi/campaigns/${vdnId}/calllogs`, body, signal);
  }

  /** Calls and failures per time bucket and the top interfaces over a window (the stats interface). */
  async stats(params: StatsParams, signal?: AbortSignal): Promise<StatsResult> {
    const { vdnId, ...body } = params;
    return (await this.post<StatsResponseBody>(`/rest/isales/v1/openapi/campaigns/${vdnId}/calllogs/stats`, body, signal)).result;
  }

  /**
   * One record with what the calllogs answer leaves out (its VDN, access key, client address and
   * duration), named by `id` and `operTime` as a calllogs answer gives them; `undefined` when the
   * VDN has no such record.
   */
  async record(params: RecordParams, signal?: AbortSignal): Promise<RecordLine | undefined> {
    const { vdnId, ...body } = params;
    return (await this.post<RecordResponseBody>(`/rest/isales/v1/openapi/campaigns/${vdnId}/calllogs/record`, body, signal)).result ?? undefined;
  }

  /**
   * The proof of the VDN's tamper-evident log for a window or a leaf range (the proof interface):
   * check records against it offline with `verifyLogProof`.
   */
  async proof(params: ProofParams, signal?: AbortSignal): Promise<LogProof> {
    const { vdnId, ...body } = params;
    const { resultCode: _code, resultDesc: _desc, returnCode: _rcode, returnDesc: _rdesc, ...proof } = await this.post<ProofResponseBody>(`/rest/isales/v1/openapi/campaigns/${vdnId}/calllogs/proof`, body, signal);
    return proof;
  }

  /**
   * Fetches every record of a VDN's range and the proofs of its tamper-evident log, and checks them
   * offline against the pinned key, as `calllogs verify` checks an export (window-proofs.ts).
   * Resolves with the records and leaves proven; throws an IntegrityError naming the first thing wrong.
   */
  verifyWindow(params: WindowVerificationParams, options: WindowVerificationOptions): Promise<ProofVerification> {
    return verifyWindow(this, this.timeZone, params, options);
  }

  private async post<T>(path: string, body: object, signal: AbortSignal | undefined): Promise<T> {
    const url = `${this.endpoint}${path}`;
    const text = JSON.stringify(body);
    const headers = signRequest({
      ak: this.options.ak,
      sk: this.options.sk,
      method: 'POST',
      url,
      headers: { 'content-type': 'application/json; charset=UTF-8' },
      body: text,
    });
    let status: number;
    let answer: unknown;
    let retryAfter: string | string[] | undefined;
    try {
      const response = await request(url, { method: 'POST', headers, body: text, dispatcher: this.dispatcher, signal });
      status = response.statusCode;
      retryAfter = response.headers['retry-after'];
      answer = await response.body.json();
    } catch (error) {
      if (signal?.aborted) throw error;
      throw new CalllogsTransportError(`cannot query ${this.endpoint}: ${describeTransportError(error)}`, { cause: error });
    }
    const result = answer as Partial<QueryResponseBody>;
    if (status !== 200 || result.resultCode !== SUCCESS_CODE) {
      const wait = Number(Array.isArray(retryAfter) ? retryAfter[0] : retryAfter);
      throw new CalllogsApiError(status, String(result.resultCode ?? `0200${status}`), String(result.resultDesc ?? ''),
        Number.isFinite(wait) ? wait : undefined);
    }
    return answer as T;
  }

  async close(): Promise<void> {
    await this.dispatcher.close();
  }
}

/** A one-line reason for a network or TLS failure. */
export function describeTransportError(error: unknown): string {
  const e = error as { code?: string; message?: string; cause?: { code?: string; message?: string } };
  const code = e.cause?.code ?? e.code;
  const message = e.cause?.message ?? e.message ?? String(error);
  if (code === 'ECONNREFUSED') return 'connection refused (is the server running?)';
  if (code === 'ENOTFOUND') return 'host not found';
  if (code && /CERT|SELF_SIGNED|TLS|SSL/.test(code)) return `TLS failure (${code}); pass the server's CA with --ca`;
  return code ? `${code}: ${message}` : message;
}
