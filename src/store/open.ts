import { isPostgresUrl } from './db-url.js';
import type { Warn } from './private-files.js';
import type { WalCheckpoints } from './sqlite/wal-checkpoints.js';
import type { LogStore } from './types.js';

export interface OpenOptions {
  /** PostgreSQL connections in the pool. */
  poolSize?: number;
  /** A commit must survive power loss, not only a crash of the process (SQLite: synchronous=FULL). */
  durable?: boolean;
  /** SQLite: write record batches on a thread of their own (for a server). */
  writeThread?: boolean;
  /** SQLite: read a proof's long columns on threads of their own (for a server). */
  readThreads?: boolean;
  /** SQLite: which connection copies the WAL into the database file (sqlite/wal-checkpoints.ts). */
  walCheckpoints?: WalCheckpoints;
  /** Told about a data file or folder found open to other users (default: standard error). */
  warn?: Warn;
}

/**
 * Opens the store a `--db` value names: a `postgres://` URL, else a SQLite file path. Only that
 * store's driver is loaded.
 */
export async function openStore(db: string, options: OpenOptions = {}): Promise<LogStore> {
  if (isPostgresUrl(db)) return (await import('./postgres/postgres-store.js')).PostgresStore.open(db, options);
  const { SqliteStore } = await import('./sqlite/sqlite-store.js');
  return SqliteStore.open(db, options);
}

