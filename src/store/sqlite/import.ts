import Database from 'better-sqlite3';
import type { CallRecord } from '../../contract/record.js';
import { CountAccumulator, type CountDelta } from '../buckets.js';
import { rowValues, type RowValues } from '../rows.js';
import { ImportRowError, type ImportSession } from '../types.js';

/** Page cache while an import runs (KiB): the indexes being written stay in memory. */
const IMPORT_CACHE_KIB = 262_144;
/** Count keys held before they are written: bounded memory (one writer, so any order is safe). */
const COUNT_FLUSH = 100_000;

/**
 * An import into SQLite: one transaction holding the write lock throughout (a server on the same
 * file keeps its records queued meanwhile), a large page cache, the hourly counts summed over the
 * whole import. Into an empty store, the query indexes are built once after the load, sorted,
 * instead of being kept up row by row; a store that holds records keeps them (rebuilding would
 * sort everything already stored).
 */
export class SqliteImport implements ImportSession {
  private readonly counts = new CountAccumulator();
  private added = 0;

  private constructor(
    private readonly db: Database.Database,
    private readonly insert: Database.Statement<RowValues>,
    private readonly applyDeltas: (deltas: CountDelta[]) => void,
    /** Adds to the hourly tallies (tallies.ts) the rows after a rowid: the import's. */
    private readonly addTalliesAfter: (rowid: number) => void,
    private readonly cacheSize: number,
    private readonly deferredIndexes: string[],
    /** Rows stored before the import have rowids up to this one; the import's come after. */
    private readonly lastRowidBefore: number,
  ) {}

  static begin(
    db: Database.Database,
    insert: Database.Statement<RowValues>,
    applyDeltas: (deltas: CountDelta[]) => void,
    addTalliesAfter: (rowid: number) => void,
  ): SqliteImport {
    db.exec('BEGIN IMMEDIATE');
    const cacheSize = db.pragma('cache_size', { simple: true }) as number;
    db.pragma(`cache_size = -${IMPORT_CACHE_KIB}`);
    const empty = db.prepare('SELECT 1 FROM records LIMIT 1').get() === undefined;
    const indexes = empty
      ? (db.prepare("SELECT name, sql FROM sqlite_master WHERE type = 'index' AND tbl_name = 'records' AND sql IS NOT NULL")
        .all() as { name: string; sql: string }[])
      : [];
    for (const { name } of indexes) db.exec(`DROP INDEX ${name}`);
    const lastRowid = (db.prepare('SELECT coalesce(max(rowid), 0) FROM records').pluck().get() as number);
    return new SqliteImport(db, insert, applyDeltas, addTalliesAfter, cacheSize, indexes.map((i) => i.sql), lastRowid);
  }

  async add(records: CallRecord[]): Promise<void> {
    for (const record of records) {
      try {
        this.insert.run(...rowValues(record));
      } catch (error) {
        const duplicate = error instanceof Database.SqliteError && error.code === 'SQLITE_CONSTRAINT_UNIQUE';
        throw new ImportRowError(this.added, duplicate ? `id: ${record.id} ${this.whereStored(record.id)}` : 'record cannot be stored');
      }
      this.added += 1;
    }
    this.counts.add(records);
    if (this.counts.size > COUNT_FLUSH) this.applyDeltas(this.counts.take());
  }

  async commit(): Promise<void> {
    this.applyDeltas(this.counts.take());
    this.addTalliesAfter(this.lastRowidBefore);
    for (const sql of this.deferredIndexes) this.db.exec(sql);
    this.db.exec('COMMIT');
    this.restoreCache();
  }

  async rollback(): Promise<void> {
    if (this.db.inTransaction) this.db.exec('ROLLBACK');
    this.restoreCache();
  }

  private whereStored(id: string): string {
    const rowid = this.db.prepare('SELECT rowid FROM records WHERE id = ?').pluck().get(id) as number;
    return rowid <= this.lastRowidBefore ? 'is already stored' : 'appears earlier in the input';
  }

  private restoreCache(): void {
    this.db.pragma(`cache_size = ${this.cacheSize}`);
  }
}
