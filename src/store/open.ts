import type { LogStore } from './types.js';
import { PostgresStore } from './postgres/postgres-store.js';
import { SqliteStore } from './sqlite/sqlite-store.js';

export interface OpenOptions {
  /** PostgreSQL connections in the pool. */
  poolSize?: number;
}

export function isPostgresUrl(db: string): boolean {
  return /^postgres(ql)?:\/\//i.test(db);
}

/** Opens the store a `--db` value names: a `postgres://` URL, else a SQLite file path. */
export async function openStore(db: string, options: OpenOptions = {}): Promise<LogStore> {
  return isPostgresUrl(db) ? PostgresStore.open(db, options) : SqliteStore.open(db);
}

/** The `--db` value as it may be shown: a URL's password masked. */
export function describeStore(db: string): string {
  if (!isPostgresUrl(db)) return db;
  const url = new URL(db);
  if (url.password) url.password = '***';
  return url.toString();
}
