import type pg from 'pg';
import copyStreams, { type CopyStreamQuery } from 'pg-copy-streams';
import type { CallRecord } from '../../contract/record.js';
import { DAY_MS } from '../buckets.js';
import { RECORD_COLUMNS, rowValues } from '../rows.js';
import { ImportRowError, type ImportSession } from '../types.js';
import { attachedPartitions, dayOfPartition, partitionName } from './partitions.js';

const NEEDS_ESCAPE = /[\\\n\r\t]/;

/** One field in COPY's text format. */
function copyField(value: unknown): string {
  if (value === null || value === undefined) return '\\N';
  if (typeof value !== 'string') return String(value);
  if (!NEEDS_ESCAPE.test(value)) return value;
  return value.replace(/[\\\n\r\t]/g, (c) => (c === '\\' ? '\\\\' : c === '\n' ? '\\n' : c === '\r' ? '\\r' : '\\t'));
}

/** A record as one line of COPY text, in RECORD_COLUMNS order. */
export function copyLine(record: CallRecord): string {
  return rowValues(record).map(copyField).join('\t') + '\n';
}

/** Resolves on `event` ('drain' or 'finish'); rejects when the stream fails or closes first. */
function next(stream: CopyStreamQuery, event: 'drain' | 'finish'): Promise<void> {
  return new Promise((resolve, reject) => {
    const settle = (error?: Error): void => {
      stream.off(event, onEvent).off('error', settle).off('close', onClose);
      if (error) reject(error);
      else resolve();
    };
    const onEvent = (): void => settle();
    const onClose = (): void => settle(new Error('COPY ended before it finished'));
    stream.on(event, onEvent).on('error', settle).on('close', onClose);
  });
}

/** Statements adding an import's counts: given the receive-time range and the days the import made. */
export interface ImportCountsSql {
  newDays: string;
  otherDays: string;
}

/** Rows sent to one table per COPY chunk, and rows held in all buffers at most. */
const CHUNK = 5000;
const MAX_BUFFERED = 50_000;
/** Sort and hash memory for the work at commit (this transaction only). */
const COMMIT_MEMORY = '256MB';

/** Rows waiting for their table's next COPY: their COPY lines and their ordinals in the import. */
interface Waiting {
  lines: string[];
  ordinals: number[];
}

/**
 * An import into PostgreSQL, all in one transaction. Records stream through COPY while the caller
 * reads the next ones (the database works on another core). A day that has a partition takes its
 * rows through `records`, keeping its indexes up as rows arrive. A day that has none gets a table of
 * its own inside the transaction, loaded with only its primary key (which still refuses a repeated
 * id, naming its line), and attached at commit: ATTACH builds the query indexes in one sorted pass,
 * much faster than row by row. Nothing the import does waits on another connection, so it cannot
 * block itself; live traffic keeps writing meanwhile (partitions.ts). The hourly counts of everything
 * it added are summed in one statement at commit, from the rows this transaction wrote.
 */
export class PostgresImport implements ImportSession {
  /** Rows waiting, by the table they go to. */
  private readonly buffers = new Map<string, Waiting>();
  private buffered = 0;
  private ordinal = 0;
  /** The open COPY, its table and the ordinals of the rows sent through it, in order. */
  private copy: { stream: CopyStreamQuery; table: string; ordinals: number[][] } | undefined;
  /** The first error the open COPY reported (it may come between two writes). */
  private failure: Error | undefined;
  /** Days this import made a table for (attached at commit), with its name. */
  private readonly fresh = new Map<number, string>();
  private lockedForPartitions = false;
  /** Some rows went to days that had a partition already. */
  private intoRecords = false;
  private minTime = Infinity;
  private maxTime = -Infinity;
  private done = false;

  private constructor(
    private readonly client: pg.PoolClient,
    /** Days with an attached partition. */
    private readonly attached: Set<number>,
    private readonly countsSql: ImportCountsSql,
    private readonly isStored: (operTime: string, id: string) => Promise<boolean>,
  ) {}

  static async begin(pool: pg.Pool, countsSql: ImportCountsSql): Promise<PostgresImport> {
    const client = await pool.connect();
    try {
      await client.query('BEGIN');
      const days = new Set((await attachedPartitions(client)).map(dayOfPartition).filter((d) => d !== undefined));
      const isStored = async (operTime: string, id: string) =>
        ((await pool.query('SELECT 1 FROM records WHERE oper_time = $1 AND id = $2', [operTime, id])).rowCount ?? 0) > 0;
      return new PostgresImport(client, days, countsSql, isStored);
    } catch (error) {
      client.release();
      throw error;
    }
  }

  async add(records: CallRecord[]): Promise<void> {
    for (const record of records) {
      const day = Math.floor(record.operTime / DAY_MS);
      const table = this.knownTable(day) ?? (await this.makeTable(day));
      let buffer = this.buffers.get(table);
      if (!buffer) this.buffers.set(table, (buffer = { lines: [], ordinals: [] }));
      buffer.lines.push(copyLine(record));
      buffer.ordinals.push(this.ordinal++);
      this.buffered += 1;
      if (record.operTime < this.minTime) this.minTime = record.operTime;
      if (record.operTime > this.maxTime) this.maxTime = record.operTime;
      if (buffer.lines.length >= CHUNK) await this.send(table);
      else if (this.buffered >= MAX_BUFFERED) await this.send(this.fullestBuffer());
    }
  }

  async commit(): Promise<void> {
    for (const table of [...this.buffers.keys()]) await this.send(table);
    await this.endCopy();
    // ATTACH builds each new partition's query indexes and the counts group every imported row:
    // both are fast when they sort and hash in memory (the defaults, 64 MB and 4 MB, spill to disk).
    await this.client.query(`SET LOCAL maintenance_work_mem = '${COMMIT_MEMORY}'`);
    await this.client.query(`SET LOCAL work_mem = '${COMMIT_MEMORY}'`);
    for (const [day, name] of this.fresh) {
      await this.client.query(`ALTER TABLE records ATTACH PARTITION ${name} FOR VALUES FROM (${day * DAY_MS}) TO (${(day + 1) * DAY_MS})`);
      // Its CHECK spared ATTACH a scan of the rows; the partition bound says the same from now on.
      await this.client.query(`ALTER TABLE ${name} DROP CONSTRAINT ${name}_day`);
    }
    const range = [this.minTime, this.maxTime, [...this.fresh.keys()]];
    if (this.fresh.size > 0) await this.client.query(this.countsSql.newDays, range);
    if (this.intoRecords) await this.client.query(this.countsSql.otherDays, range);
    await this.finish('COMMIT');
  }

  async rollback(): Promise<void> {
    // A COPY still open is abandoned (CopyFail); the transaction then rolls back.
    this.copy?.stream.destroy();
    this.copy = undefined;
    await this.finish('ROLLBACK');
  }

  /** The table a day's rows go to: `records` when the day has a partition, the import's own table for a day it made. */
  private knownTable(day: number): string | undefined {
    if (!this.attached.has(day)) return this.fresh.get(day);
    this.intoRecords = true;
    return 'records';
  }

  /** A table of the day's own, made now under the partition makers' lock (partitions.ts), held to commit. */
  private async makeTable(day: number): Promise<string> {
    await this.endCopy();
    if (!this.lockedForPartitions) {
      await this.client.query('LOCK TABLE records IN SHARE UPDATE EXCLUSIVE MODE');
      this.lockedForPartitions = true;
    }
    const name = partitionName(day);
    if ((await this.client.query('SELECT 1 FROM pg_inherits WHERE inhrelid = to_regclass($1)', [name])).rowCount) {
      // Made by another writer before the lock was ours.
      this.attached.add(day);
      return this.knownTable(day)!;
    }
    await this.client.query(`CREATE TABLE ${name} (LIKE records INCLUDING DEFAULTS INCLUDING CONSTRAINTS,
      PRIMARY KEY (oper_time, id), CONSTRAINT ${name}_day CHECK (oper_time >= ${day * DAY_MS} AND oper_time < ${(day + 1) * DAY_MS}))`);
    this.fresh.set(day, name);
    return name;
  }

  private fullestBuffer(): string {
    let fullest = '';
    let most = -1;
    for (const [table, buffer] of this.buffers) {
      if (buffer.lines.length > most) [fullest, most] = [table, buffer.lines.length];
    }
    return fullest;
  }

  /** Sends a table's waiting rows through COPY, opening one for that table if the open one is another's. */
  private async send(table: string): Promise<void> {
    const buffer = this.buffers.get(table);
    if (!buffer || buffer.lines.length === 0) return;
    this.buffers.delete(table);
    this.buffered -= buffer.lines.length;
    if (this.copy?.table !== table) {
      await this.endCopy();
      const stream = this.client.query(copyStreams.from(`COPY ${table} (${RECORD_COLUMNS.join(', ')}) FROM STDIN`));
      stream.on('error', (error: Error) => (this.failure ??= error));
      this.copy = { stream, table, ordinals: [] };
    }
    if (this.failure) await this.failed();
    this.copy.ordinals.push(buffer.ordinals);
    if (!this.copy.stream.write(buffer.lines.join(''))) await next(this.copy.stream, 'drain').catch(() => this.failed());
  }

  private async endCopy(): Promise<void> {
    if (!this.copy) return;
    const { stream } = this.copy;
    if (this.failure) await this.failed();
    const finished = next(stream, 'finish');
    stream.end();
    await finished.catch(() => this.failed());
    this.copy = undefined;
  }

  private async failed(): Promise<never> {
    throw await this.rowError(this.failure ?? new Error('the COPY ended before it finished'));
  }

  /** A COPY failure as the record that caused it (COPY names its line), else as it is. */
  private async rowError(error: Error): Promise<Error> {
    const e = error as Error & { code?: string; detail?: string; where?: string };
    const line = /COPY \S+, line (\d+)/.exec(e.where ?? '')?.[1];
    const ordinal = line === undefined ? undefined : this.copy?.ordinals.flat()[Number(line) - 1];
    if (ordinal === undefined) return error;
    const key = /\(oper_time, id\)=\((\d+), (\d+)\)/.exec(e.detail ?? '');
    if (e.code !== '23505' || !key) return new ImportRowError(ordinal, 'record cannot be stored');
    const where = (await this.isStored(key[1]!, key[2]!)) ? 'is already stored' : 'appears earlier in the input';
    return new ImportRowError(ordinal, `id: ${key[2]} ${where}`);
  }

  private async finish(sql: string): Promise<void> {
    if (this.done) return;
    this.done = true;
    try {
      await this.client.query(sql);
      this.client.release();
    } catch (error) {
      // A connection in an unknown state is not given back to the pool.
      this.client.release(error as Error);
      throw error;
    }
  }
}
