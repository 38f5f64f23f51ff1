import type { LogStore } from './types.js';
import { SqliteStore } from './sqlite/sqlite-store.js';

/** Opens the store a `--db` value names: a file path (SQLite). */
export async function openStore(db: string): Promise<LogStore> {
  if (/^postgres(ql)?:\/\//i.test(db)) {
    throw new Error('PostgreSQL stores are not supported yet: pass a SQLite file path to --db');
  }
  return SqliteStore.open(db);
}
