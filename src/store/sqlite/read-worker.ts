import Database from 'better-sqlite3';
import { workerData } from 'node:worker_threads';
import { answerRequests } from './db-thread.js';
import { guarded } from './guarded.js';
import { readProofColumns, type ProofColumnsRead } from './proof-columns.js';

/** A thread that reads a proof's long columns from a SQLite file (the store's `readThreads`), read-only. */
const { path } = workerData as { path: string };
const db = new Database(path, { readonly: true, fileMustExist: true });
db.pragma('busy_timeout = 5000');
answerRequests((request: ProofColumnsRead) => guarded(() => readProofColumns(db, request)), async () => void db.close());
