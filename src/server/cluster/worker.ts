import cluster from 'node:cluster';
import { AggregatorRegistry, type Registry } from 'prom-client';
import { CalllogsError } from '../../contract/codes.js';
import { isMetricsAnswer, WORKER_INDEX_ENV, type MetricsRequest, type ReadyMessage } from './messages.js';

/** This process's place in `serve --workers N`. */
export interface WorkerRole {
  /** 0 … N-1; worker 0 runs the store's upkeep. */
  index: number;
}

/** The role of this process when it is a worker of `serve --workers N`, else undefined. */
export function workerRole(): WorkerRole | undefined {
  return cluster.isWorker ? { index: Number(process.env[WORKER_INDEX_ENV] ?? 0) } : undefined;
}

const METRICS_TIMEOUT_MS = 5_000;

/**
 * `GET /metrics` in a worker: the primary collects every worker's registry (this one's included)
 * and sums them, so any worker answers for the whole service.
 */
export function clusterMetrics(registry: Registry): () => Promise<string> {
  AggregatorRegistry.setRegistries([registry]);
  // Constructing one installs prom-client's listener that answers the primary's collection.
  new AggregatorRegistry();
  const waiting = new Map<number, (answer: { text?: string; error?: string }) => void>();
  let nextId = 0;
  process.on('message', (message) => {
    if (isMetricsAnswer(message)) waiting.get(message.id)?.(message);
  });
  return () => new Promise((resolve, reject) => {
    const id = nextId++;
    const fail = (why: string) => reject(new CalllogsError('UNAVAILABLE', `metrics: ${why}`));
    const timer = setTimeout(() => {
      waiting.delete(id);
      fail('the workers did not answer in time');
    }, METRICS_TIMEOUT_MS);
    waiting.set(id, (answer) => {
      clearTimeout(timer);
      waiting.delete(id);
      if (answer.text !== undefined) resolve(answer.text);
      else fail(`the workers could not be read (${answer.error ?? 'unknown'})`);
    });
    const request: MetricsRequest = { type: 'calllogs:metrics-request', id };
    process.send?.(request);
  });
}

/** Tells the primary this worker listens at `endpoint` and takes stop requests. */
export function announceReady(endpoint: string): void {
  const ready: ReadyMessage = { type: 'calllogs:ready', endpoint };
  process.send?.(ready);
}
