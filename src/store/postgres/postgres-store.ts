import pg from 'pg';
import { CalllogsError } from '../../contract/codes.js';
import type { CallRecord } from '../../contract/record.js';
import type { RecordLookup } from '../../contract/record-lookup.js';
import { BUCKET_MS, DAY_MS, TOTAL_URL } from '../buckets.js';
import { addTallySql, TALLY_TABLES } from '../tallies.js';
import { bindSql, FAILURE_SQL, keysetScan, recordSql, scanPageSql, windowConditions, type SqlBuilder } from '../query-plan.js';
import { seekPlan } from '../seek-plan.js';
import { statsPlan, summarizeStats } from '../stats-plan.js';
import { RECORD_COLUMNS, rowValues, toKey, toRecord, vdnsColumn, type KeyRow, type RecordRow } from '../rows.js';
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
import { PostgresImport, type ImportCountsSql } from './import.js';
import { migrate } from './migrate.js';
import { PostgresIntegrity, retainTileExtras, SEALER_LOCK } from './postgres-integrity.js';
import { attachDayPartition, attachedPartitions, dayOfPartition } from './partitions.js';

/** Days of partitions kept ready beyond today. */
const DAYS_AHEAD = 2;
const COLUMN_TYPES = ['text', 'int', 'bigint', 'text', 'text', 'text', 'text', 'int', 'text', 'text', 'text', 'float8'];
const COLUMNS = RECORD_COLUMNS.join(', ');
const UNNEST = `SELECT * FROM unnest(${COLUMN_TYPES.map((t, i) => `$${i + 1}::${t}[]`).join(', ')})`;

const ADD_TO_COUNTS = 'ON CONFLICT (bucket, vdn, url) DO UPDATE SET n = record_counts.n + excluded.n, failures = record_counts.failures + excluded.failures';

/**
 * Adds to record_counts and the hourly tallies (tallies.ts) the rows `added` yields (COUNTED), in one statement, the
 * count rows in a fixed order so concurrent writers never deadlock. `onConflict` is empty only where
 * no count row can exist yet (hours of days just made).
 */
function addCountsSql(added: string, onConflict = ADD_TO_COUNTS): string {
  return `WITH added AS (${added}),
    ${TALLY_TABLES.map((table) => `${table}_added AS (${addTallySql(table, 'added', 1, onConflict !== '')})`).join(', ')},
    deltas AS (
      SELECT vdn, bucket, coalesce(url, '${TOTAL_URL}') AS url, count(*) AS n, count(*) FILTER (WHERE ${FAILURE_SQL}) AS failures
      FROM (SELECT vdn, (oper_time / ${BUCKET_MS}) * ${BUCKET_MS} AS bucket, url, http_status, result_code FROM added) a
      GROUP BY GROUPING SETS ((vdn, bucket, url), (vdn, bucket)))
    INSERT INTO record_counts (vdn, bucket, url, n, failures) SELECT vdn, bucket, url, n, failures FROM deltas ORDER BY bucket, vdn, url
    ${onConflict}`;
}
const COUNTED = 'vdn, oper_time, url, http_status, result_code, ak, type, duration_ms';
/** Inserts a batch and counts the records actually inserted (a batch written again changes nothing). */
const INSERT_NEW = addCountsSql(`INSERT INTO records (${COLUMNS}) ${UNNEST} ON CONFLICT DO NOTHING RETURNING ${COUNTED}`);
/**
 * Count what an import's transaction wrote between two receive times ($1, $2) on the days it made
 * ($3: no count rows there yet, a plain insert) and on the others (import.ts).
 */
const WRITTEN_HERE = `SELECT ${COUNTED} FROM records WHERE oper_time BETWEEN $1 AND $2 AND xmin = pg_current_xact_id()::xid`;
const IMPORTED_COUNTS: ImportCountsSql = {
  newDays: addCountsSql(`${WRITTEN_HERE} AND oper_time / ${DAY_MS} = ANY($3::bigint[])`, ''),
  otherDays: addCountsSql(`${WRITTEN_HERE} AND oper_time / ${DAY_MS} <> ALL($3::bigint[])`),
};

// Epoch milliseconds fit a double exactly: read int8 columns as numbers.
const types = {
  getTypeParser: ((oid: number, format?: string) =>
    oid === pg.types.builtins.INT8 ? Number : pg.types.getTypeParser(oid, format as 'text')) as typeof pg.types.getTypeParser,
};

/** Connection failures and server shutdowns: the store is unreachable (503), not broken (500). */
function isUnavailable(error: unknown): boolean {
  const e = error as { code?: string; message?: string };
  if (typeof e.code === 'string' && /^(08|57P0[1-3]|53300|ECONNREFUSED|ECONNRESET|ETIMEDOUT|EPIPE|EHOSTUNREACH)/.test(e.code)) return true;
  return /Connection terminated|timeout exceeded when trying to connect|Client has encountered a connection error/.test(e.message ?? '');
}

function translateError(error: unknown): unknown {
  return isUnavailable(error) ? new CalllogsError('UNAVAILABLE', 'store: temporarily unavailable', 1) : error;
}

async function guarded<T>(work: () => Promise<T>): Promise<T> {
  try {
    return await work();
  } catch (error) {
    throw translateError(error);
  }
}

/** Rows of a built statement on `client`. */
async function rows<T extends pg.QueryResultRow>(client: pg.PoolClient, build: SqlBuilder): Promise<T[]> {
  const { text, values } = bindSql(build, 'postgres');
  return (await client.query<T>(text, values)).rows;
}

/** Column arrays for one multi-row insert through unnest. */
function columnArrays(records: CallRecord[]): unknown[][] {
  const rows = records.map(rowValues);
  return RECORD_COLUMNS.map((_, column) => rows.map((row) => row[column]));
}

export interface PostgresOptions {
  /** Connections in the pool. */
  poolSize?: number;
}

/** The scale-out store: PostgreSQL, records partitioned by day; any number of instances may share it. */
export class PostgresStore implements LogStore {
  readonly kind = 'postgres' as const;
  readonly keys: KeyRepository;
  readonly integrity: PostgresIntegrity;
  /** UTC days whose partition is known to exist. */
  private readonly days = new Set<number>();

  private constructor(private readonly pool: pg.Pool) {
    this.keys = new PostgresKeys(pool);
    this.integrity = new PostgresIntegrity(pool, (work) => guarded(() => this.transaction(work)));
  }

  static async open(url: string, options: PostgresOptions = {}): Promise<PostgresStore> {
    const pool = new pg.Pool({ connectionString: url, max: options.poolSize ?? 10, connectionTimeoutMillis: 5000, types });
    // A connection the server drops (a restart, pg_terminate_backend) must not take the process
    // down. node-pg emits the loss as an 'error' event on the client besides failing its queries:
    // the pool listens while a client is idle, nobody while it is checked out for a transaction.
    // The calls that used it fail with the store error; the pool discards it and reconnects.
    pool.on('error', () => undefined);
    pool.on('connect', (client) => client.on('error', () => undefined));
    try {
      await migrate(pool);
      const store = new PostgresStore(pool);
      await store.maintain(Date.now());
      return store;
    } catch (error) {
      await pool.end();
      throw error;
    }
  }

  /**
   * Creates the day partitions these times need, in a short transaction of their own before the
   * write that needs them, so no transaction of ours holds locks while it waits (partitions.ts:
   * queries and writes go on; an import making partitions of its own is waited for).
   */
  private async ensurePartitions(times: Iterable<number>): Promise<void> {
    const missing = new Set<number>();
    for (const t of times) {
      const day = Math.floor(t / DAY_MS);
      if (!this.days.has(day)) missing.add(day);
    }
    if (missing.size === 0) return;
    await this.transaction(async (client) => {
      for (const day of [...missing].sort((a, b) => a - b)) await attachDayPartition(client, day);
    });
    for (const day of missing) this.days.add(day);
  }

  insertBatch(records: CallRecord[]): Promise<void> {
    return guarded(async () => {
      if (records.length === 0) return;
      await this.ensurePartitions(records.map((r) => r.operTime));
      await this.pool.query(INSERT_NEW, columnArrays(records));
    });
  }

  /** Runs `work` in one read-only snapshot (a count and its page, or stats, agree). */
  private snapshot<T>(work: (client: pg.PoolClient) => Promise<T>): Promise<T> {
    return guarded(() => this.transaction(work, 'BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY'));
  }

  /** Runs `work` in one transaction on one pooled connection: committed, or rolled back if it throws. */
  private async transaction<T>(work: (client: pg.PoolClient) => Promise<T>, begin = 'BEGIN'): Promise<T> {
    const client = await this.pool.connect();
    try {
      await client.query(begin);
      const result = await work(client);
      await client.query('COMMIT');
      return result;
    } catch (error) {
      await client.query('ROLLBACK').catch(() => undefined);
      throw error;
    } finally {
      client.release();
    }
  }

  query(q: StoreQuery): Promise<QueryPage> {
    return this.snapshot(async (client) => {
      const plan = seekPlan(q);
      let step = plan.next();
      while (!step.done) step = plan.next(await rows(client, step.value));
      const seek = step.value;
      if (q.offset >= seek.count) return { count: seek.count, records: [] };
      // The page's keys come from an index-only scan, skipping within one hour at most; then only
      // its rows are read, by primary key within the window's partitions.
      const page = { ...q, toMs: seek.toMs };
      const keys = await rows<{ oper_time: number; id: string }>(client, (p) => `SELECT oper_time, id FROM records
          WHERE ${windowConditions(page, p)} ORDER BY oper_time DESC, id DESC LIMIT ${p(q.limit)} OFFSET ${p(seek.offset)}`);
      if (keys.length === 0) return { count: seek.count, records: [] };
      const found = new Map<string, RecordRow>();
      const read = await rows<RecordRow>(client, (p) => `SELECT * FROM records WHERE ${windowConditions(page, p)}
          AND oper_time = ANY(${p(keys.map((k) => k.oper_time))}::bigint[]) AND id = ANY(${p(keys.map((k) => k.id))}::text[])`);
      for (const row of read) found.set(`${row.oper_time}/${row.id}`, row);
      return { count: seek.count, records: keys.map((k) => toRecord(found.get(`${k.oper_time}/${k.id}`)!)) };
    });
  }

  stats(q: StatsQuery): Promise<StoreStats> {
    const plan = statsPlan(q);
    return this.snapshot(async (client) => {
      const run = async <T extends pg.QueryResultRow>(builds: SqlBuilder[]): Promise<T[]> => {
        // Appended as whole arrays: a window's durations can be more rows than a spread's arguments.
        const parts: T[][] = [];
        for (const build of builds) parts.push(await rows<T>(client, build));
        return parts.flat();
      };
      return summarizeStats(q, { counts: await run(plan.counts), keyCodes: await run(plan.keyCodes), histograms: await run(plan.histograms), durations: await run(plan.durations) });
    });
  }

  findRecord(vdnId: number, key: RecordLookup): Promise<CallRecord | undefined> {
    return guarded(async () => {
      const { text, values } = bindSql((p) => recordSql(vdnId, key, p), 'postgres');
      return (await this.pool.query<RecordRow>(text, values)).rows.map(toRecord)[0];
    });
  }

  scan(filter: ScanFilter): AsyncIterable<CallRecord> {
    return keysetScan(
      filter,
      async () => {
        // A loose index scan: one index probe per distinct VDN instead of reading every row.
        const { rows } = await this.pool.query<{ vdn: number }>(
          `WITH RECURSIVE v AS (SELECT min(vdn) AS vdn FROM records
             UNION ALL SELECT (SELECT min(vdn) FROM records WHERE vdn > v.vdn) FROM v WHERE v.vdn IS NOT NULL)
           SELECT vdn FROM v WHERE vdn IS NOT NULL`,
        );
        return rows.map((r) => r.vdn);
      },
      async (c) => {
        const { text, values } = bindSql((p) => scanPageSql(c, filter, p), 'postgres');
        return (await this.pool.query<RecordRow>(text, values)).rows.map(toRecord);
      },
    );
  }

  beginImport(): Promise<ImportSession> {
    return guarded(() => PostgresImport.begin(this.pool, IMPORTED_COUNTS));
  }

  async countRecords(): Promise<number> {
    return Number((await this.pool.query<{ n: string }>('SELECT count(*) AS n FROM records')).rows[0]!.n);
  }

  /** Detaches (concurrently, so queries and writes go on) and drops every day partition older than the cutoff. */
  async removeBefore(cutoffMs: number): Promise<number> {
    let dropped = 0;
    for (const name of await attachedPartitions(this.pool)) {
      const day = dayOfPartition(name);
      if (day === undefined || (day + 1) * DAY_MS > cutoffMs) continue;
      try {
        await this.pool.query(`ALTER TABLE records DETACH PARTITION ${name} CONCURRENTLY`);
      } catch (error) {
        // A detach interrupted earlier must be finished instead.
        if (!/pending detach/.test((error as Error).message)) throw error;
        await this.pool.query(`ALTER TABLE records DETACH PARTITION ${name} FINALIZE`);
      }
      // Detached, its records are out of every query; its counts go with it, atomically.
      await this.transaction(async (client) => {
        // First: a seal holds it while it updates log_state, which this transaction updates too.
        await client.query('SELECT pg_advisory_xact_lock($1)', [SEALER_LOCK]);
        for (const table of ['record_counts', ...TALLY_TABLES]) {
          await client.query(`DELETE FROM ${table} WHERE bucket >= $1 AND bucket < $2`, [day * DAY_MS, (day + 1) * DAY_MS]);
        }
        await client.query(`DROP TABLE ${name}`);
        // The logs keep the day's leaves (verification knows its records went by retention), not their extras.
        await client.query('UPDATE log_state SET retained_from = greatest(retained_from, $1)', [(day + 1) * DAY_MS]);
        await retainTileExtras(client, (day + 1) * DAY_MS);
      });
      this.days.delete(day);
      dropped += 1;
    }
    return dropped;
  }

  /** Keeps today's partition and the next days' ready, so writes never wait on DDL. */
  async maintain(nowMs: number): Promise<void> {
    await this.ensurePartitions(Array.from({ length: DAYS_AHEAD + 1 }, (_, i) => nowMs + i * DAY_MS));
  }

  ping(): Promise<void> {
    return guarded(async () => void (await this.pool.query('SELECT 1')));
  }

  async close(): Promise<void> {
    await this.pool.end();
  }
}

class PostgresKeys implements KeyRepository {
  constructor(private readonly pool: pg.Pool) {}

  async insert(key: StoredKey): Promise<void> {
    try {
      await this.pool.query('INSERT INTO api_keys (ak, sk, vdns, label, disabled, created_at) VALUES ($1, $2, $3, $4, $5, $6)',
        [key.ak, key.sk, vdnsColumn(key.vdns), key.label, key.disabled, key.createdAt]);
    } catch (error) {
      if ((error as { code?: string }).code === '23505') throw new DuplicateKeyError(key.ak);
      throw translateError(error);
    }
  }

  get(ak: string): Promise<StoredKey | undefined> {
    return guarded(async () => {
      const row = (await this.pool.query<KeyRow>('SELECT * FROM api_keys WHERE ak = $1', [ak])).rows[0];
      return row && toKey(row);
    });
  }

  async list(): Promise<StoredKey[]> {
    return (await this.pool.query<KeyRow>('SELECT * FROM api_keys ORDER BY created_at, ak')).rows.map(toKey);
  }

  async setDisabled(ak: string, disabled: boolean): Promise<boolean> {
    return ((await this.pool.query('UPDATE api_keys SET disabled = $1 WHERE ak = $2', [disabled, ak])).rowCount ?? 0) > 0;
  }

  async delete(ak: string): Promise<boolean> {
    return ((await this.pool.query('DELETE FROM api_keys WHERE ak = $1', [ak])).rowCount ?? 0) > 0;
  }

  async count(): Promise<number> {
    return Number((await this.pool.query<{ n: string }>('SELECT count(*) AS n FROM api_keys')).rows[0]!.n);
  }
}
