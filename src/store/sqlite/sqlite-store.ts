import Database from 'better-sqlite3';
import { mkdirSync } from 'node:fs';
import { dirname } from 'node:path';
import { CalllogsError } from '../../contract/codes.js';
import type { CallRecord } from '../../contract/record.js';
import {
  DuplicateKeyError,
  ImportRowError,
  NO_VDN,
  type ImportSession,
  type KeyRepository,
  type LogStore,
  type QueryPage,
  type ScanFilter,
  type StoredKey,
  type StoreQuery,
} from '../types.js';
import { urlRange } from '../url-filter.js';
import { migrate } from './migrate.js';

interface RecordRow {
  id: string;
  vdn: number;
  oper_time: number;
  url: string;
  request: string;
  result_code: string;
  result_desc: string;
  http_status: number;
  type: string;
  ak: string | null;
  client_ip: string | null;
  duration_ms: number | null;
}

interface KeyRow {
  ak: string;
  sk: string;
  vdns: string;
  label: string;
  disabled: number;
  created_at: number;
}

const SCAN_PAGE = 1000;
// Errors that mean "the store cannot be used right now", answered 503 rather than 500.
const UNAVAILABLE = /^SQLITE_(BUSY|LOCKED|CANTOPEN|IOERR|FULL|READONLY|PROTOCOL|NOTADB)/;

function toRecord(row: RecordRow): CallRecord {
  return {
    id: row.id,
    operTime: row.oper_time,
    url: row.url,
    request: row.request,
    resultCode: row.result_code,
    resultDesc: row.result_desc,
    httpStatus: row.http_status,
    type: row.type,
    vdnId: row.vdn === NO_VDN ? null : row.vdn,
    ak: row.ak,
    clientIp: row.client_ip,
    durationMs: row.duration_ms,
  };
}

function toRow(r: CallRecord): RecordRow {
  return {
    id: r.id,
    vdn: r.vdnId ?? NO_VDN,
    oper_time: r.operTime,
    url: r.url,
    request: r.request,
    result_code: r.resultCode,
    result_desc: r.resultDesc,
    http_status: r.httpStatus,
    type: r.type,
    ak: r.ak,
    client_ip: r.clientIp,
    duration_ms: r.durationMs,
  };
}

function toKey(row: KeyRow): StoredKey {
  return {
    ak: row.ak,
    sk: row.sk,
    vdns: row.vdns === 'all' ? 'all' : (JSON.parse(row.vdns) as number[]),
    label: row.label,
    disabled: row.disabled !== 0,
    createdAt: row.created_at,
  };
}

/** Rethrows "cannot reach the store" failures as 503, so they are not mistaken for bugs. */
function translateError(error: unknown): unknown {
  if (error instanceof Database.SqliteError && UNAVAILABLE.test(error.code)) {
    return new CalllogsError('UNAVAILABLE', 'store: temporarily unavailable', 1);
  }
  return error;
}

/** The embedded store: one SQLite file in WAL mode. */
export class SqliteStore implements LogStore {
  readonly kind = 'sqlite' as const;
  readonly keys: KeyRepository;
  private readonly db: Database.Database;
  private readonly insertRecord: Database.Statement<RecordRow>;
  private readonly insertMany: (records: CallRecord[]) => void;
  private readonly statements = new Map<string, Database.Statement>();

  private constructor(db: Database.Database) {
    this.db = db;
    this.insertRecord = db.prepare(
      `INSERT INTO records (id, vdn, oper_time, url, request, result_code, result_desc, http_status, type, ak, client_ip, duration_ms)
       VALUES (@id, @vdn, @oper_time, @url, @request, @result_code, @result_desc, @http_status, @type, @ak, @client_ip, @duration_ms)`,
    );
    this.insertMany = db.transaction((records: CallRecord[]) => {
      for (const r of records) this.insertRecord.run(toRow(r));
    });
    this.keys = new SqliteKeys(db);
  }

  /** `busyTimeoutMs`: how long to wait for another process's write lock before answering 503. */
  static open(path: string, options: { busyTimeoutMs?: number } = {}): SqliteStore {
    if (path !== ':memory:') mkdirSync(dirname(path), { recursive: true });
    const db = new Database(path);
    db.pragma('journal_mode = WAL');
    db.pragma('synchronous = NORMAL');
    db.pragma(`busy_timeout = ${options.busyTimeoutMs ?? 5000}`);
    migrate(db);
    return new SqliteStore(db);
  }

  async insertBatch(records: CallRecord[]): Promise<void> {
    try {
      this.insertMany(records);
    } catch (error) {
      throw translateError(error);
    }
  }

  async query(q: StoreQuery): Promise<QueryPage> {
    const where = ['vdn = @vdn', 'oper_time >= @fromMs', 'oper_time < @toMs'];
    const params: Record<string, unknown> = { vdn: q.vdnId, fromMs: q.fromMs, toMs: q.toMs, limit: q.limit, offset: q.offset };
    if (q.url) {
      const range = urlRange(q.url);
      if (range.exact !== undefined) {
        where.push('url = @url');
        params.url = range.exact;
      } else {
        where.push('url >= @urlFrom');
        params.urlFrom = range.from;
        if (range.to !== undefined) {
          where.push('url < @urlTo');
          params.urlTo = range.to;
        }
      }
    }
    const condition = where.join(' AND ');
    const read = this.db.transaction(() => {
      const n = this.statement(`SELECT count(*) FROM records WHERE ${condition}`).pluck().get(params) as number;
      if (q.offset >= n) return { count: n, records: [] };
      // A page in the older half is read from the oldest end (then reversed), so no page skips
      // more than half of the window's index entries.
      const end = Math.min(q.offset + q.limit, n);
      const fromOldest = q.offset > n - end;
      const order = fromOldest ? 'oper_time ASC, id ASC' : 'oper_time DESC, id DESC';
      // The page's rowids come from the covering index; only those rows are then read.
      const rows = this.statement(
        `SELECT * FROM records WHERE rowid IN (
           SELECT rowid FROM records WHERE ${condition} ORDER BY ${order} LIMIT @limit OFFSET @offset)
         ORDER BY ${order}`,
      ).all({ ...params, ...(fromOldest ? { offset: n - end, limit: end - q.offset } : {}) }) as RecordRow[];
      if (fromOldest) rows.reverse();
      return { count: n, records: rows.map(toRecord) };
    });
    try {
      return read.deferred();
    } catch (error) {
      throw translateError(error);
    }
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

  async *scan(filter: ScanFilter): AsyncIterable<CallRecord> {
    const vdns =
      filter.vdnId === undefined
        ? (this.db.prepare('SELECT DISTINCT vdn FROM records ORDER BY vdn').pluck().all() as number[])
        : [filter.vdnId ?? NO_VDN];
    const page = this.db.prepare(
      `SELECT * FROM records
       WHERE vdn = @vdn AND (oper_time, id) > (@lastTime, @lastId) AND oper_time >= @fromMs AND oper_time < @toMs
       ORDER BY oper_time, id LIMIT ${SCAN_PAGE}`,
    );
    for (const vdn of vdns) {
      let lastTime = Number.MIN_SAFE_INTEGER;
      let lastId = '';
      for (;;) {
        const rows = page.all({
          vdn,
          lastTime,
          lastId,
          fromMs: filter.fromMs ?? Number.MIN_SAFE_INTEGER,
          toMs: filter.toMs ?? Number.MAX_SAFE_INTEGER,
        }) as RecordRow[];
        for (const row of rows) yield toRecord(row);
        if (rows.length < SCAN_PAGE) break;
        const last = rows[rows.length - 1]!;
        lastTime = last.oper_time;
        lastId = last.id;
      }
    }
  }

  async beginImport(): Promise<ImportSession> {
    this.db.exec('BEGIN IMMEDIATE');
    return {
      add: async (records) => {
        records.forEach((r, index) => {
          try {
            this.insertRecord.run(toRow(r));
          } catch (error) {
            const duplicate = error instanceof Database.SqliteError && error.code === 'SQLITE_CONSTRAINT_UNIQUE';
            throw new ImportRowError(index, duplicate ? `id: ${r.id} is already stored` : 'record cannot be stored');
          }
        });
      },
      commit: async () => {
        this.db.exec('COMMIT');
      },
      rollback: async () => {
        if (this.db.inTransaction) this.db.exec('ROLLBACK');
      },
    };
  }

  async countRecords(): Promise<number> {
    return this.db.prepare('SELECT count(*) FROM records').pluck().get() as number;
  }

  async ping(): Promise<void> {
    try {
      this.db.prepare('SELECT 1').get();
    } catch (error) {
      throw translateError(error);
    }
  }

  async close(): Promise<void> {
    if (this.db.open) this.db.close();
  }
}

class SqliteKeys implements KeyRepository {
  constructor(private readonly db: Database.Database) {}

  async insert(key: StoredKey): Promise<void> {
    try {
      this.db
        .prepare('INSERT INTO api_keys (ak, sk, vdns, label, disabled, created_at) VALUES (?, ?, ?, ?, ?, ?)')
        .run(key.ak, key.sk, key.vdns === 'all' ? 'all' : JSON.stringify(key.vdns), key.label, key.disabled ? 1 : 0, key.createdAt);
    } catch (error) {
      if (error instanceof Database.SqliteError && error.code === 'SQLITE_CONSTRAINT_PRIMARYKEY') throw new DuplicateKeyError(key.ak);
      throw translateError(error);
    }
  }

  async get(ak: string): Promise<StoredKey | undefined> {
    try {
      const row = this.db.prepare('SELECT * FROM api_keys WHERE ak = ?').get(ak) as KeyRow | undefined;
      return row && toKey(row);
    } catch (error) {
      throw translateError(error);
    }
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
