import cluster, { type Worker } from 'node:cluster';
import { pino, type Logger } from 'pino';
import { AggregatorRegistry } from 'prom-client';
import { KeyStore } from '../../auth/key-store.js';
import { openStore } from '../../store/open.js';
import { bootstrapKey } from '../bootstrap-key.js';
import type { ServerConfig } from '../config.js';
import { isMetricsRequest, isReadyMessage, WORKER_INDEX_ENV, type MetricsAnswer, type StopMessage } from './messages.js';

export interface RunningCluster {
  endpoint: string;
  /** The key created on a first start, if this start created one. */
  bootstrapped: { ak: string; sk: string; file: string } | undefined;
  log: Logger;
  /**
   * Asks every worker to stop as a single server does (in-flight requests answered, queued
   * records written), or at once (`force`).
   */
  stop(force?: boolean): void;
  /** Resolves once every worker has exited: 0 when each of them stopped cleanly. */
  exited: Promise<number>;
}

/**
 * The primary of `serve --workers N`: prepares the store once (migrations, file modes), forks N
 * workers that each run the whole server on the one port (the primary hands connections out in
 * turn), creates the first-start key once they are ready, restarts a worker that dies, sums the
 * workers' metrics for `GET /metrics`, and relays a stop to all of them.
 */
export async function startCluster(config: ServerConfig, count: number): Promise<RunningCluster> {
  const log = pino({ level: config.logLevel });
  const store = await openStore(config.db, { poolSize: 1, warn: (message) => log.warn(message) });
  const aggregator = new AggregatorRegistry();
  const live = new Set<Worker>();
  let stopping = false;
  let failed = false;
  let onReady: ((endpoint: string) => void) | undefined;
  let onEarlyExit: ((error: Error) => void) | undefined;
  let settle: (code: number) => void = () => undefined;
  const exited = new Promise<number>((resolve) => (settle = resolve));

  const answerMetrics = (worker: Worker, id: number): void => {
    const reply = (answer: MetricsAnswer) => worker.isConnected() && worker.send(answer);
    aggregator.clusterMetrics().then(
      (text) => reply({ type: 'calllogs:metrics', id, text }),
      (error: Error) => reply({ type: 'calllogs:metrics', id, error: error.message }),
    );
  };

  // The last stop asked for; a worker that was starting then may not have heard it.
  let stopMessage: StopMessage | undefined;
  const stop = (force = false): void => {
    stopping = true;
    const message: StopMessage = { type: 'calllogs:stop', force };
    stopMessage = message;
    for (const worker of live) {
      if (worker.isConnected()) worker.send(message);
      else worker.process.kill(force ? 'SIGKILL' : 'SIGTERM');
    }
    if (live.size === 0) settle(failed ? 1 : 0);
  };
  // A failed start: some workers may not listen for messages yet; SIGTERM stops them either way.
  const abandon = (): void => {
    stopping = true;
    failed = true;
    for (const worker of live) worker.process.kill('SIGTERM');
    if (live.size === 0) settle(1);
  };

  const fork = (index: number): void => {
    const worker = cluster.fork({ [WORKER_INDEX_ENV]: String(index) });
    let ready = false;
    live.add(worker);
    worker.on('message', (message) => {
      if (isMetricsRequest(message)) answerMetrics(worker, message.id);
      else if (isReadyMessage(message)) {
        ready = true;
        if (stopMessage) worker.send(stopMessage);
        else onReady?.(message.endpoint);
      }
    });
    worker.once('exit', (code, signal) => {
      live.delete(worker);
      if (stopping) {
        if (code !== 0) failed = true;
        if (live.size === 0) settle(failed ? 1 : 0);
        return;
      }
      if (onEarlyExit) return onEarlyExit(new Error(`worker ${index} exited while starting (code ${code ?? signal})`));
      // One that dies before it is ready is broken, not unlucky: restarting it would only loop.
      if (!ready) {
        log.error({ worker: index, code, signal }, 'worker died while starting; stopping the service');
        return abandon();
      }
      log.error({ worker: index, code, signal }, 'worker died; starting another in its place');
      fork(index);
    });
  };

  try {
    const endpoint = await new Promise<string>((resolve, reject) => {
      let ready = 0;
      onReady = (endpoint) => {
        if (++ready === count) resolve(endpoint);
      };
      onEarlyExit = reject;
      for (let index = 0; index < count; index++) fork(index);
    });
    onReady = undefined;
    onEarlyExit = undefined;
    const keys = new KeyStore(store.keys, config.masterKey, config.keyCacheMs);
    const bootstrapped = await bootstrapKey(keys, config.db, endpoint, (message) => log.warn(message));
    return { endpoint, bootstrapped, log, stop, exited };
  } catch (error) {
    onEarlyExit = undefined;
    abandon();
    await exited;
    throw error;
  } finally {
    await store.close();
  }
}
