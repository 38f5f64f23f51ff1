import { workerData } from 'node:worker_threads';
import type { CallRecord } from '../../contract/record.js';
import { answerRequests } from './db-thread.js';
import { SqliteStore } from './sqlite-store.js';

/**
 * The thread that writes record batches into a SQLite file (the store's `writeThread`): its own
 * connection, the same idempotent batch transaction as the main thread's store.
 */
const { path, durable } = workerData as { path: string; durable: boolean };
const store = SqliteStore.open(path, { durable });
answerRequests((records: CallRecord[]) => store.insertBatch(records), () => store.close());
