import type { FastifyBaseLogger, FastifyInstance } from 'fastify';
import { join } from 'node:path';
import { KeyStore } from '../auth/key-store.js';
import { logKeyPathFor } from '../integrity/key-file.js';
import { createIdGenerator } from '../record/ids.js';
import { createRedactor } from '../record/redact.js';
import { SpillFile } from '../record/spill.js';
import { RecordWriter } from '../record/writer.js';
import { openStore } from '../store/open.js';
import type { LogStore } from '../store/types.js';
import { buildApp } from './app.js';
import { bootstrapKey, dataDirFor } from './bootstrap-key.js';
import { clusterMetrics, type WorkerRole } from './cluster/worker.js';
import type { ServerConfig } from './config.js';
import { endpointOf } from './endpoint.js';
import { Upstream } from './gateway/upstream.js';
import { createMetrics, type Metrics } from './metrics.js';
import { logSigningKey } from './log-signing.js';
import { Sealer, type SealerControl } from './sealer.js';
import { SealerThread } from './sealer-thread.js';
import { Upkeep } from './upkeep.js';

/** How often a stopping server closes the connections that finished their last answer. */
const IDLE_SWEEP_MS = 50;

export interface RunningServer {
  app: FastifyInstance;
  store: LogStore;
  writer: RecordWriter;
  metrics: Metrics;
  /** `http(s)://host:port` the server listens on. */
  endpoint: string;
  /** The key created on a first start, if this start created one. */
  bootstrapped: { ak: string; sk: string; file: string } | undefined;
  upkeep: Upkeep;
  /** Seals records and signs checkpoints (undefined in a cluster's workers other than 0). */
  sealer: SealerControl | undefined;
  /** Stops accepting, finishes in-flight requests, writes every queued record, closes the store. */
  close(): Promise<void>;
}

/**
 * Seals records into their logs and signs checkpoints, with this store's signing key if this
 * instance holds it: on a thread of its own with its own connection (an in-memory database has
 * no second connection: there, in the event loop).
 */
async function startSealer(store: LogStore, config: ServerConfig, walCheckpoints: boolean, log: FastifyBaseLogger): Promise<SealerControl> {
  const keyFile = config.integrity.keyFile ?? logKeyPathFor(dataDirFor(config.db));
  const { sealIntervalMs, checkpointIntervalMs } = config.integrity;
  if (config.db !== ':memory:') {
    return SealerThread.start({ db: config.db, masterKey: config.masterKey, keyFile, sealIntervalMs, checkpointIntervalMs, walCheckpoints }, log);
  }
  const key = await logSigningKey(store.integrity, keyFile, config.masterKey, (message) => log.warn(message));
  const sealer = new Sealer(store.integrity, { sealIntervalMs, checkpointIntervalMs, key, log });
  sealer.start();
  return sealer;
}

/**
 * Starts the server alone, or as one worker of `serve --workers N` (`role`): then the primary
 * creates the first key, only worker 0 runs the store's upkeep and sealer, and `/metrics` sums all
 * workers.
 */
export async function startServer(config: ServerConfig, role?: WorkerRole): Promise<RunningServer> {
  // Files found open to other users are reported once the log exists.
  const fileWarnings: string[] = [];
  const warn = (message: string): number => fileWarnings.push(message);
  // A durable commit fsyncs: off the event loop. So does waiting for another worker's commit to
  // release SQLite's write lock. Otherwise a batch is a few milliseconds of inserts, cheaper in
  // place than handed to a thread (measured: bench/gateway.mjs); then this process's sealer
  // thread (no role: it runs here) checkpoints the WAL, not the event loop.
  const eventLoopWrites = !config.durable && role === undefined;
  const store = await openStore(config.db, {
    warn,
    poolSize: config.poolSize,
    durable: config.durable,
    writeThread: !eventLoopWrites,
    walCheckpoints: eventLoopWrites ? 'left-to-sealer' : 'commits',
    // A proof's long reads (a week of a busy VDN: ~40 ms) side by side, off the event loop.
    readThreads: true,
  });
  const keys = new KeyStore(store.keys, config.masterKey, config.keyCacheMs);
  // The writer only reports failures once records flow, which is after the app exists.
  const writer: RecordWriter = new RecordWriter(store, {
    ...config.writer,
    onBatch: (size, commitMs) => {
      metrics.batchSize.observe(size);
      metrics.commitSeconds.observe(commitMs / 1000);
      metrics.recordsWritten.inc(size);
    },
    spill: new SpillFile(config.spillDir ?? join(dataDirFor(config.db), 'spill')),
    onError: (error, attempt) =>
      app.log.warn({ errType: (error as Error).name, errMessage: (error as Error).message, attempt }, 'record batch failed, retrying'),
    onSpill: (event, records) => {
      if (event === 'spilled') {
        metrics.recordsSpilled.inc(records);
        app.log.warn({ records }, 'store unavailable: records spilled to disk');
      } else {
        metrics.recordsWritten.inc(records);
        app.log.info({ records }, 'spilled records written to the store');
      }
    },
  });
  const metrics = createMetrics(() => writer.depth);
  if (role) metrics.render = clusterMetrics(metrics.registry);
  const upstream = config.upstream ? new Upstream(config.upstream) : undefined;
  const app = await buildApp({
    config, store, keys, writer, metrics, upstream, ids: createIdGenerator(), redact: createRedactor(config.redaction),
  });
  for (const message of fileWarnings.splice(0)) app.log.warn(message);
  await app.listen({ host: config.host, port: config.port });
  const address = app.server.address();
  const endpoint = endpointOf(config, typeof address === 'object' && address ? address.port : config.port);
  // A cluster's primary creates the first key, once, when every worker listens.
  const bootstrapped = role ? undefined : await bootstrapKey(keys, config.db, endpoint, (message) => app.log.warn(message));
  await writer.resumeSpilled();
  const upkeep = new Upkeep(store, { retentionDays: config.retentionDays, intervalMs: config.upkeepIntervalMs, log: app.log });
  // Background work runs in one process of a cluster (worker 0).
  const background = !role || role.index === 0;
  if (background) upkeep.start();
  const sealer = background ? await startSealer(store, config, eventLoopWrites, app.log) : undefined;

  let closing: Promise<void> | undefined;
  const close = (): Promise<void> =>
    (closing ??= (async () => {
      // Node closes the keep-alive connections idle when the server stops listening; one busy then
      // would stay open after its answer until the keep-alive timeout (72 s), holding up the stop
      // and every queued record behind it. Close each as soon as it is idle.
      const sweep = setInterval(() => app.server.closeIdleConnections(), IDLE_SWEEP_MS);
      try {
        await app.close();
      } finally {
        clearInterval(sweep);
      }
      await upstream?.close();
      await upkeep.stop();
      try {
        await writer.close();
      } catch (error) {
        metrics.recordsDropped.inc(writer.depth);
        throw error;
      } finally {
        // The records just written are sealed and signed before the store closes.
        await sealer?.stop();
        await store.close();
      }
    })());

  return { app, store, writer, metrics, upkeep, sealer, endpoint, bootstrapped, close };
}
