import type { FilterParams } from '../../src/client/filters.js';
import type { LogProof } from '../../src/contract/proof.js';
import type { OpenapiLog, RecordLine } from '../../src/contract/record.js';
import type { RecordResponseBody } from '../../src/contract/record-lookup.js';
import type { QueryResponseBody } from '../../src/contract/response.js';
import type { StatsResult } from '../../src/contract/stats.js';
import { authorizationFor } from './signer.js';

export type { OpenapiLog, RecordLine, StatsResult };

export interface Credentials {
  ak: string;
  sk: string;
}

/** What the records table and the charts ask for: the window and the filters (the interface's own fields). */
export interface WindowBody extends FilterParams {
  beginTime: string;
  endTime: string;
}

/** A refusal by the server (its code and description) or a failure to reach it (status 0). */
export class ApiError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
  ) {
    super(message);
    this.name = 'ApiError';
  }
}

/** Why a call failed, in words an operator can act on. */
export function describeFailure(error: unknown, vdn: number): string {
  if (!(error instanceof ApiError)) return 'Something went wrong. Try again.';
  if (error.status === 401) return `The server refused this key (${error.message}). Check the AK and the SK.`;
  if (error.status === 403) return `This key may not see VDN ${vdn}.`;
  if (error.status === 0) return error.message;
  return `The server answered ${error.status} ${error.code}: ${error.message}`;
}

const API = '/rest/isales/v1/openapi';

async function signedPost<T>(credentials: Credentials, path: string, body: unknown): Promise<T> {
  const url = new URL(path, location.origin).toString();
  const text = JSON.stringify(body);
  const contentType = 'application/json';
  const authorization = await authorizationFor({ ...credentials, method: 'POST', url, contentType, body: text });
  let response: Response;
  try {
    response = await fetch(url, { method: 'POST', headers: { 'content-type': contentType, authorization }, body: text });
  } catch {
    throw new ApiError(0, '', 'Cannot reach the server. Is it running?');
  }
  const answer = (await response.json().catch(() => undefined)) as (T & { resultCode?: string; resultDesc?: string }) | undefined;
  if (!response.ok || !answer) {
    throw new ApiError(response.status, answer?.resultCode ?? '', answer?.resultDesc ?? `HTTP ${response.status}`);
  }
  return answer;
}

export function queryPage(credentials: Credentials, vdn: number, body: WindowBody, offset: number, limit: number): Promise<QueryResponseBody> {
  return signedPost(credentials, `${API}/campaigns/${vdn}/calllogs`, { ...body, offset, limit });
}

/** The charts and top lists show calls and failures side by side: every filter but the outcome applies. */
export async function queryStats(credentials: Credentials, vdn: number, body: WindowBody): Promise<StatsResult> {
  const { outcome: _shownSideBySide, ...filters } = body;
  return (await signedPost<{ result: StatsResult }>(credentials, `${API}/campaigns/${vdn}/calllogs/stats`, filters)).result;
}

/** A listed record with what the calllogs answer leaves out (access key, client address, duration); null if gone. */
export async function queryRecord(credentials: Credentials, vdn: number, record: Pick<OpenapiLog, 'id' | 'operTime'>): Promise<RecordLine | null> {
  return (await signedPost<RecordResponseBody>(credentials, `${API}/campaigns/${vdn}/calllogs/record`, { id: record.id, operTime: record.operTime })).result;
}

/** The proof of the VDN's log for a window (our extension, docs/integrity.md). */
export async function queryProof(credentials: Credentials, vdn: number, window: { beginTime: string; endTime: string }): Promise<LogProof> {
  return signedPost<LogProof>(credentials, `${API}/campaigns/${vdn}/calllogs/proof`, window);
}

export interface ConsoleConfig {
  /** The server's zone, in which beginTime and endTime are read. */
  timeZone: string;
}

export async function consoleConfig(): Promise<ConsoleConfig> {
  const response = await fetch('/console/config.json');
  if (!response.ok) throw new ApiError(response.status, '', 'The server did not say its time zone');
  return (await response.json()) as ConsoleConfig;
}
