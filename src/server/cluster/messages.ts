/** What a worker and the primary of `serve --workers N` say to each other over the IPC channel. */

/** The environment variable that gives a worker its index, 0 … N-1 (kept when it is restarted). */
export const WORKER_INDEX_ENV = 'CALLLOGS_WORKER_INDEX';

/** A worker asks for the whole cluster's metrics to answer `GET /metrics`. */
export interface MetricsRequest {
  type: 'calllogs:metrics-request';
  id: number;
}

/** The primary's answer: every worker's registry summed (prom-client's AggregatorRegistry). */
export interface MetricsAnswer {
  type: 'calllogs:metrics';
  id: number;
  text?: string;
  error?: string;
}

export function isMetricsRequest(message: unknown): message is MetricsRequest {
  return (message as MetricsRequest | null)?.type === 'calllogs:metrics-request';
}

export function isMetricsAnswer(message: unknown): message is MetricsAnswer {
  return (message as MetricsAnswer | null)?.type === 'calllogs:metrics';
}

/** The primary asks a worker to stop: gracefully, or at once when it was asked twice itself. */
export interface StopMessage {
  type: 'calllogs:stop';
  force: boolean;
}

export function isStopMessage(message: unknown): message is StopMessage {
  return (message as StopMessage | null)?.type === 'calllogs:stop';
}

/** A worker listens and takes stop requests: the primary counts these before it calls the service up. */
export interface ReadyMessage {
  type: 'calllogs:ready';
  endpoint: string;
}

export function isReadyMessage(message: unknown): message is ReadyMessage {
  return (message as ReadyMessage | null)?.type === 'calllogs:ready';
}
