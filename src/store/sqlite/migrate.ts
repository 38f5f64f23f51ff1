import type Database from 'better-sqlite3';
import { readdirSync, readFileSync } from 'node:fs';

const MIGRATIONS_DIR = new URL('./migrations/', import.meta.url);

/** Migration files `NNNN_name.sql`, in order. */
function migrationFiles(): { version: number; name: string }[] {
  return readdirSync(MIGRATIONS_DIR)
    .filter((f) => /^\d{4}_.+\.sql$/.test(f))
    .sort()
    .map((name) => ({ version: Number(name.slice(0, 4)), name }));
}

/**
 * Applies the migrations this database has not seen, each in its own IMMEDIATE transaction, so two
 * processes opening a new file at once apply each migration exactly once.
 */
export function migrate(db: Database.Database): void {
  db.exec('CREATE TABLE IF NOT EXISTS schema_migrations (version INTEGER PRIMARY KEY, name TEXT NOT NULL, applied_at INTEGER NOT NULL)');
  const applied = db.prepare('SELECT 1 FROM schema_migrations WHERE version = ?').pluck();
  for (const { version, name } of migrationFiles()) {
    db.transaction(() => {
      if (applied.get(version)) return;
      db.exec(readFileSync(new URL(name, MIGRATIONS_DIR), 'utf8'));
      db.prepare('INSERT INTO schema_migrations (version, name, applied_at) VALUES (?, ?, ?)').run(version, name, Date.now());
    }).immediate();
  }
}
