import { parentPort, workerData } from 'node:worker_threads';
import type { CallRecord } from '../../contract/record.js';
import { SqliteStore } from './sqlite-store.js';

/**
 * The thread that writes record batches into a SQLite file (see WriteThread): its own connection,
 * the same idempotent batch transaction as the main thread's store.
 */
export interface WriteRequest {
  id: number;
  records: CallRecord[];
}

export type WriteReply = { id: number; error?: undefined } | { id: number; error: { name: string; message: string; code?: string } };

const { path, durable } = workerData as { path: string; durable: boolean };
const store = SqliteStore.open(path, { durable });
const port = parentPort!;

port.on('message', (message: WriteRequest | 'close') => {
  if (message === 'close') {
    void store.close().then(() => port.close());
    return;
  }
  store.insertBatch(message.records).then(
    () => port.postMessage({ id: message.id } satisfies WriteReply),
    (error: Error & { code?: string }) =>
      port.postMessage({ id: message.id, error: { name: error.name, message: error.message, code: error.code } } satisfies WriteReply),
  );
});
