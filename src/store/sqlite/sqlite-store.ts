import Database from 'better-sqlite3';
import { dirname } from 'node:path';
import { setImmediate as yieldToEventLoop } from 'node:timers/promises';
import type { CallRecord } from '../../contract/record.js';
import type { RecordLookup } from '../../contract/record-lookup.js';
import { countDeltas, type CountDelta } from '../buckets.js';
import { addTallySql, TALLY_TABLES } from '../tallies.js';
import { ensurePrivateDir, ensurePrivateFile, warnOnStderr, type Warn } from '../private-files.js';
import { bindSql, keysetScan, recordSql, scanPageSql, windowConditions, type SqlBuilder } from '../query-plan.js';
import { seekPlan } from '../seek-plan.js';
import { statsPlan, summarizeStats } from '../stats-plan.js';
import { RECORD_COLUMNS, rowValues, toKey, toRecord, vdnsColumn, type KeyRow, type RecordRow, type RowValues } from '../rows.js';
import {
  DuplicateKeyError,
  type ImportSession,
  type KeyRepository,
  type LogStore,
  type QueryPage,
  type ScanFilter,
  type StatsQuery,
  type StoreStats,
  type StoredKey,
  type StoreQuery,
} from '../types.js';
import { SqliteImport } from './import.js';
import { guarded, translateError, writeWhenUnlocked } from './guarded.js';
import { migrate } from './migrate.js';
import { retainTileExtras, SqliteIntegrity } from './sqlite-integrity.js';
import { DbThread, sqliteWorkerUrl } from './db-thread.js';
import { ProofReadThreads } from './read-threads.js';
import { checkpointAfterSeals, setWalCheckpoints, type WalCheckpoints } from './wal-checkpoints.js';

const RETENTION_BATCH = 2000;
const INSERT = `INSERT INTO records (${RECORD_COLUMNS.join(', ')}) VALUES (${RECORD_COLUMNS.map(() => '?').join(', ')})`;

/**
 * The database and its WAL hold records and keys: owner-only from the first byte. The file is
 * created 0600 before SQLite opens it, and SQLite creates -wal and -shm with the database's mode.
 */
function protectDatabaseFiles(path: string, warn: Warn): void {
  ensurePrivateDir(dirname(path), warn);
  ensurePrivateFile(path, warn);
  for (const suffix of ['-wal', '-shm', '-journal']) ensurePrivateFile(path + suffix, warn, false);
}

/** The embedded store: one SQLite file in WAL mode. */
export class SqliteStore implements LogStore {
  readonly kind = 'sqlite' as const;
  readonly keys: KeyRepository;
  readonly integrity: SqliteIntegrity;
  private readonly db: Database.Database;
  private readonly insertNew: Database.Statement<RowValues>;
  private readonly insertMany: (records: CallRecord[]) => void;
  private readonly addCounts: Database.Statement<[number, number, string, number, number]>;
  /** Rowids only grow (one writer at a time): the rows after this one are the ones a write added. */
  private readonly lastRowid: Database.Statement<[], number>;
  /** Adds to the hourly tallies (tallies.ts) the rows after a rowid. */
  private readonly addTalliesAfter: (rowid: number) => void;
  private readonly statements = new Map<string, Database.Statement>();

  private constructor(
    db: Database.Database,
    private readonly busyTimeoutMs: number,
    afterSeal: (() => void) | undefined,
    private readonly writes: DbThread<CallRecord[], void> | undefined,
    private readonly reads: ProofReadThreads | undefined,
  ) {
    this.db = db;
    this.insertNew = db.prepare(INSERT);
    this.addCounts = db.prepare(
      `INSERT INTO record_counts (vdn, bucket, url, n, failures) VALUES (?, ?, ?, ?, ?)
       ON CONFLICT (bucket, vdn, url) DO UPDATE SET n = n + excluded.n, failures = failures + excluded.failures`,
    );
    const insertOrSkip = db.prepare<RowValues>(`${INSERT} ON CONFLICT (id) DO NOTHING`);
    this.lastRowid = db.prepare<[], number>('SELECT coalesce(max(rowid), 0) FROM records').pluck();
    const tallies = TALLY_TABLES.map((table) => db.prepare<[number]>(addTallySql(table, 'records WHERE rowid > ?')));
    this.addTalliesAfter = (rowid) => tallies.forEach((statement) => statement.run(rowid));
    // IMMEDIATE: the batch starts by reading, and a read transaction that another process's commit
    // overtook cannot become a writer (SQLITE_BUSY at once, no busy wait). Taking the write lock
    // first waits its turn instead (workers of one server, or two servers, on one file).
    this.insertMany = db.transaction((records: CallRecord[]) => {
      const before = this.lastRowid.get()!;
      // Only the records actually added count: a batch written again changes nothing.
      this.applyCounts(records.filter((r) => insertOrSkip.run(...rowValues(r)).changes > 0), 1);
      this.addTalliesAfter(before);
    }).immediate;
    this.keys = new SqliteKeys(db);
    this.integrity = new SqliteIntegrity(db, reads, afterSeal);
  }

  /**
   * `busyTimeoutMs`: how long to wait for another connection's write lock before answering 503
   * (record batches on this connection wait for it on timers, not in SQLite's sleeping busy handler).
   * WAL with synchronous=NORMAL loses no commit when the process dies, only on power loss;
   * `durable` syncs every commit so it survives that too. `writeThread`: record batches are
   * written on a thread of their own, so that inserts and fsyncs never hold up the event loop;
   * `readThreads`: a proof's long reads too (read-threads.ts). Both the server's choice; queries
   * stay on this connection. `walCheckpoints`: which connection checkpoints (wal-checkpoints.ts).
   */
  static open(
    path: string,
    options: { busyTimeoutMs?: number; durable?: boolean; writeThread?: boolean; readThreads?: boolean; walCheckpoints?: WalCheckpoints; warn?: Warn } = {},
  ): SqliteStore {
    if (path !== ':memory:') protectDatabaseFiles(path, options.warn ?? warnOnStderr);
    const db = new Database(path);
    db.pragma('journal_mode = WAL');
    db.pragma(`synchronous = ${options.durable ? 'FULL' : 'NORMAL'}`);
    const busyTimeoutMs = options.busyTimeoutMs ?? 5000;
    db.pragma(`busy_timeout = ${busyTimeoutMs}`);
    migrate(db);
    const checkpoints = options.walCheckpoints ?? 'commits';
    setWalCheckpoints(db, checkpoints);
    const file = path !== ':memory:';
    return new SqliteStore(
      db,
      busyTimeoutMs,
      checkpointAfterSeals(db, checkpoints, busyTimeoutMs),
      options.writeThread && file ? new DbThread('record write', sqliteWorkerUrl('write-worker.js'), { path, durable: Boolean(options.durable) }) : undefined,
      options.readThreads && file ? new ProofReadThreads(path) : undefined,
    );
  }

  private applyCounts(records: Parameters<typeof countDeltas>[0], sign: 1 | -1): void {
    this.applyDeltas(countDeltas(records, sign));
  }

  private applyDeltas(deltas: CountDelta[]): void {
    for (const d of deltas) this.addCounts.run(d.vdn, d.bucket, d.url, d.n, d.failures);
  }

  /** Statements are prepared once per distinct SQL text (a handful of filter shapes). */
  private statement(sql: string): Database.Statement {
    let stmt = this.statements.get(sql);
    if (!stmt) {
      stmt = this.db.prepare(sql);
      this.statements.set(sql, stmt);
    }
    return stmt;
  }

  insertBatch(records: CallRecord[]): Promise<void> {
    if (this.writes) return this.writes.run(records);
    return writeWhenUnlocked(this.db, this.busyTimeoutMs, () => this.insertMany(records));
  }

  /** Rows of a built statement (prepared once per text). */
  private all<T>(build: SqlBuilder): T[] {
    const { text, values } = bindSql(build, 'sqlite');
    return this.statement(text).all(values) as T[];
  }

  query(q: StoreQuery): Promise<QueryPage> {
    const read = this.db.transaction((): QueryPage => {
      const plan = seekPlan(q);
      let step = plan.next();
      while (!step.done) step = plan.next(this.all(step.value));
      const seek = step.value;
      if (q.offset >= seek.count) return { count: seek.count, records: [] };
      // The page's rowids come from the covering index, skipping within one hour at most; only
      // those rows are then read.
      const rows = this.all<RecordRow>((p) => `SELECT * FROM records WHERE rowid IN (SELECT rowid FROM records
          WHERE ${windowConditions({ ...q, toMs: seek.toMs }, p)}
          ORDER BY oper_time DESC, id DESC LIMIT ${p(q.limit)} OFFSET ${p(seek.offset)}) ORDER BY oper_time DESC, id DESC`);
      return { count: seek.count, records: rows.map(toRecord) };
    });
    return guarded(() => read.deferred());
  }

  stats(q: StatsQuery): Promise<StoreStats> {
    const plan = statsPlan(q);
    const run = <T>(builds: SqlBuilder[]): T[] => builds.flatMap((build) => this.all<T>(build));
    const read = this.db.transaction((): StoreStats => summarizeStats(q, {
      counts: run(plan.counts), keyCodes: run(plan.keyCodes), histograms: run(plan.histograms), durations: run(plan.durations),
    }));
    return guarded(() => read.deferred());
  }

  findRecord(vdnId: number, key: RecordLookup): Promise<CallRecord | undefined> {
    return guarded(() => this.all<RecordRow>((p) => recordSql(vdnId, key, p)).map(toRecord)[0]);
  }

  scan(filter: ScanFilter): AsyncIterable<CallRecord> {
    return keysetScan(
      filter,
      async () => this.db.prepare('SELECT DISTINCT vdn FROM records ORDER BY vdn').pluck().all() as number[],
      async (c) => this.all<RecordRow>((p) => scanPageSql(c, filter, p)).map(toRecord),
    );
  }

  async beginImport(): Promise<ImportSession> {
    return SqliteImport.begin(this.db, this.insertNew, (deltas) => this.applyDeltas(deltas), this.addTalliesAfter);
  }

  async countRecords(): Promise<number> {
    return this.db.prepare('SELECT count(*) FROM records').pluck().get() as number;
  }

  /** Deletes in small transactions, VDN by VDN along the time index, yielding between them. */
  async removeBefore(cutoffMs: number): Promise<number> {
    const vdns = this.db.prepare('SELECT DISTINCT vdn FROM records ORDER BY vdn').pluck().all() as number[];
    const chunk = this.db.prepare(`SELECT json_group_array(rowid) FROM (SELECT rowid FROM records WHERE vdn = ? AND oper_time < ? LIMIT ${RETENTION_BATCH})`).pluck();
    const inChunk = 'rowid IN (SELECT value FROM json_each(?))';
    const removeTallies = TALLY_TABLES.map((table) => this.db.prepare(addTallySql(table, `records WHERE ${inChunk}`, -1)));
    const remove = this.db.prepare(`DELETE FROM records WHERE ${inChunk} RETURNING vdn, oper_time, url, http_status, result_code`);
    // The logs keep the removed records' leaves; the sealed position never passes the newest
    // rowid left, because SQLite hands the next insert max(rowid) + 1.
    const noteRetention = this.db.prepare(
      'UPDATE log_state SET sealed_rowid = min(sealed_rowid, (SELECT coalesce(max(rowid), 0) FROM records)), retained_from = max(retained_from, ?)',
    );
    const retainExtras = retainTileExtras(this.db);
    // The horizon first, and with it the tiles' extras of the records to go (proofs leave them out from now).
    const retain = this.db.transaction(() => {
      noteRetention.run(cutoffMs);
      retainExtras(cutoffMs);
    }).immediate;
    const removeBatch = this.db.transaction((vdn: number): number => {
      const rowids = chunk.get(vdn, cutoffMs) as string;
      for (const statement of removeTallies) statement.run(rowids);
      const gone = (remove.all(rowids) as Pick<RecordRow, 'vdn' | 'oper_time' | 'url' | 'http_status' | 'result_code'>[])
        .map((row) => ({ vdnId: row.vdn, operTime: row.oper_time, url: row.url, httpStatus: row.http_status, resultCode: row.result_code }));
      this.applyCounts(gone, -1);
      noteRetention.run(cutoffMs);
      return gone.length;
    }).immediate;
    await writeWhenUnlocked(this.db, this.busyTimeoutMs, retain);
    let removed = 0;
    for (const vdn of vdns) {
      for (;;) {
        const changes = await writeWhenUnlocked(this.db, this.busyTimeoutMs, () => removeBatch(vdn));
        removed += changes;
        await yieldToEventLoop();
        if (changes < RETENTION_BATCH) break;
      }
    }
    return removed;
  }

  async maintain(): Promise<void> {}

  ping(): Promise<void> {
    return guarded(() => void this.db.prepare('SELECT 1').get());
  }

  async close(): Promise<void> {
    await Promise.all([this.writes?.close(), this.reads?.close()]);
    if (this.db.open) this.db.close();
  }
}

class SqliteKeys implements KeyRepository {
  constructor(private readonly db: Database.Database) {}

  async insert(key: StoredKey): Promise<void> {
    try {
      this.db
        .prepare('INSERT INTO api_keys (ak, sk, vdns, label, disabled, created_at) VALUES (?, ?, ?, ?, ?, ?)')
        .run(key.ak, key.sk, vdnsColumn(key.vdns), key.label, key.disabled ? 1 : 0, key.createdAt);
    } catch (error) {
      if (error instanceof Database.SqliteError && error.code === 'SQLITE_CONSTRAINT_PRIMARYKEY') throw new DuplicateKeyError(key.ak);
      throw translateError(error);
    }
  }

  get(ak: string): Promise<StoredKey | undefined> {
    return guarded(() => {
      const row = this.db.prepare('SELECT * FROM api_keys WHERE ak = ?').get(ak) as KeyRow | undefined;
      return row && toKey(row);
    });
  }

  async list(): Promise<StoredKey[]> {
    return (this.db.prepare('SELECT * FROM api_keys ORDER BY created_at, ak').all() as KeyRow[]).map(toKey);
  }

  async setDisabled(ak: string, disabled: boolean): Promise<boolean> {
    return this.db.prepare('UPDATE api_keys SET disabled = ? WHERE ak = ?').run(disabled ? 1 : 0, ak).changes > 0;
  }

  async delete(ak: string): Promise<boolean> {
    return this.db.prepare('DELETE FROM api_keys WHERE ak = ?').run(ak).changes > 0;
  }

  async count(): Promise<number> {
    return this.db.prepare('SELECT count(*) FROM api_keys').pluck().get() as number;
  }
}
