import { parentPort, workerData } from 'node:worker_threads';
import { openStore } from '../store/open.js';
import type { LogStore } from '../store/types.js';
import { logSigningKey } from './log-signing.js';
import { Sealer, type SealerLog } from './sealer.js';
import { lowerThreadPriority } from './thread-priority.js';

/**
 * The thread that seals records and signs checkpoints (see SealerThread): its own connection to
 * the store, the same Sealer as in an event loop, its log lines relayed to the server's logger.
 */
export interface SealerSettings {
  db: string;
  masterKey: string | undefined;
  keyFile: string;
  sealIntervalMs: number;
  checkpointIntervalMs: number;
  /** SQLite: this thread checkpoints the WAL after its seals; the event loop's record batches leave it to it. */
  walCheckpoints: boolean;
}

export type SealerRequest = { kind: 'run'; id: number; sign: boolean } | { kind: 'stop' };

export type SealerReply =
  | { kind: 'ready' }
  | { kind: 'failed'; message: string }
  | { kind: 'log'; level: 'info' | 'warn'; fields: object; message: string }
  | { kind: 'ran'; id: number };

const settings = workerData as SealerSettings;
const port = parentPort!;
const reply = (message: SealerReply): void => port.postMessage(message);
const log: SealerLog = {
  info: (fields, message) => reply({ kind: 'log', level: 'info', fields, message }),
  warn: (fields, message) => reply({ kind: 'log', level: 'warn', fields, message }),
};

/**
 * Sealing is background work that may run seconds late: where cores are busy and a seal blocks no
 * writer (PostgreSQL), this thread yields them to the threads that record calls: nice 10 weighs a
 * tenth of their share. On SQLite it made the event loop's record batches wait for a sealer that
 * lost its core holding the write lock (docs/decisions.md).
 */
const SEALER_NICE_STEPS = 10;

let store: LogStore | undefined;
try {
  // The server opened the store first: it created the files and reported their modes.
  store = await openStore(settings.db, { poolSize: 2, walCheckpoints: settings.walCheckpoints ? 'after-seals' : 'commits', warn: () => undefined });
  if (!store.integrity.sealBlocksWriters) lowerThreadPriority(SEALER_NICE_STEPS);
  const key = await logSigningKey(store.integrity, settings.keyFile, settings.masterKey, (message) => log.warn({}, message));
  const sealer = new Sealer(store.integrity, { ...settings, key, log });
  const opened = store;
  sealer.start();
  port.on('message', (request: SealerRequest) => {
    if (request.kind === 'run') void sealer.run(request.sign).then(() => reply({ kind: 'ran', id: request.id }));
    else void sealer.stop().finally(() => opened.close()).finally(() => port.close());
  });
  reply({ kind: 'ready' });
} catch (error) {
  reply({ kind: 'failed', message: (error as Error).message });
  await store?.close();
  port.close();
}
