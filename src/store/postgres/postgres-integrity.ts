import type pg from 'pg';
import type { JsonColumns, ProofExtraFields } from '../../contract/proof.js';
import type { CallRecord } from '../../contract/record.js';
import { emptyHead, packFrontier, unpackFrontier, type LogHeadState } from '../../integrity/log-append.js';
import { nodeHashing } from '../../integrity/node-crypto.js';
import { sealRecords } from '../../integrity/seal.js';
import { jsonArrayPostgres, RECORD_EXTRAS_POSTGRES, R_RECORD_COLUMNS, toLeafEntry, toLogHead, toRecord, type LeafRow, type LogHeadRow, type RecordRow } from '../rows.js';
import type { IntegrityRepository, LeafColumns, LeafWithRecord, StoredLogHead } from '../types.js';

/** Any constant: the advisory lock that lets one sealer at a time work on a database. */
export const SEALER_LOCK = 0x63616c6c;
/** Rows fetched at a time while a log is read whole (verify). */
const PAGE = 5000;

/**
 * The last sealed record's (transaction, id), as values: compared with constants, the row comparison
 * is an index condition on `records_by_seal`; joined to `log_state` it was a filter, and every seal
 * read all the records sealed before it again.
 */
async function sealedPosition(db: pg.Pool | pg.PoolClient): Promise<[string, string]> {
  const { rows } = await db.query<{ txid: string; id: string }>('SELECT sealed_txid::text AS txid, sealed_id AS id FROM log_state');
  return [rows[0]!.txid, rows[0]!.id];
}

export type Transaction = <T>(work: (client: pg.PoolClient) => Promise<T>) => Promise<T>;

/**
 * The logs in PostgreSQL, written by several instances. A seal takes a transaction-level advisory
 * lock (another instance's seal in progress: nothing to do now; a sealer that dies releases it
 * with its connection), reads the oldest transaction still running (its snapshot's xmin) and seals
 * the records of the transactions below it after the last sealed one, in (transaction, id) order.
 */
export class PostgresIntegrity implements IntegrityRepository {
  constructor(
    private readonly pool: pg.Pool,
    private readonly transaction: Transaction,
  ) {}

  seal(max: number): Promise<number> {
    return this.transaction(async (client) => {
      const locked = await client.query<{ locked: boolean }>('SELECT pg_try_advisory_xact_lock($1) AS locked', [SEALER_LOCK]);
      if (!locked.rows[0]!.locked) return 0;
      const rows = (await client.query<RecordRow & { seal_txid: string }>(
        `SELECT r.seal_txid, ${R_RECORD_COLUMNS} FROM records r
         WHERE (r.seal_txid, r.id) > ($1::xid8, $2::text) AND r.seal_txid < pg_snapshot_xmin(pg_current_snapshot())
         ORDER BY r.seal_txid, r.id LIMIT $3`,
        [...(await sealedPosition(client)), max],
      )).rows;
      if (rows.length === 0) return 0;
      const stored = (await client.query<LogHeadRow>('SELECT * FROM log_heads WHERE vdn = ANY($1::int[])', [[...new Set(rows.map((r) => r.vdn))]])).rows;
      const heads = new Map<number, LogHeadState>(stored.map((row) => [row.vdn, { size: row.size, frontier: unpackFrontier(row.frontier) }]));
      const headOf = (vdn: number): LogHeadState => {
        let head = heads.get(vdn);
        if (!head) heads.set(vdn, (head = emptyHead()));
        return head;
      };
      const { leaves, nodes } = sealRecords(nodeHashing, headOf, rows.map(toRecord));
      await client.query(
        `INSERT INTO log_leaves (vdn, idx, record_id, oper_time, digest)
         SELECT * FROM unnest($1::int[], $2::bigint[], $3::text[], $4::bigint[], $5::bytea[])`,
        [leaves.map((l) => l.vdn), leaves.map((l) => l.index), leaves.map((l) => l.recordId), leaves.map((l) => l.operTime), leaves.map((l) => Buffer.from(l.digest))],
      );
      if (nodes.length > 0) {
        await client.query(
          'INSERT INTO log_nodes (vdn, level, idx, hash) SELECT * FROM unnest($1::int[], $2::int[], $3::bigint[], $4::bytea[])',
          [nodes.map((n) => n.vdn), nodes.map((n) => n.level), nodes.map((n) => n.index), nodes.map((n) => Buffer.from(n.hash))],
        );
      }
      const changed = [...heads];
      await client.query(
        `INSERT INTO log_heads (vdn, size, frontier) SELECT * FROM unnest($1::int[], $2::bigint[], $3::bytea[])
         ON CONFLICT (vdn) DO UPDATE SET size = excluded.size, frontier = excluded.frontier`,
        [changed.map(([vdn]) => vdn), changed.map(([, h]) => h.size), changed.map(([, h]) => Buffer.from(packFrontier(h.frontier)))],
      );
      const last = rows[rows.length - 1]!;
      await client.query('UPDATE log_state SET sealed_txid = $1, sealed_id = $2', [last.seal_txid, last.id]);
      return rows.length;
    });
  }

  async unsealedCount(): Promise<number> {
    const { rows } = await this.pool.query<{ n: number }>(
      'SELECT count(*)::int AS n FROM records r WHERE (r.seal_txid, r.id) > ($1::xid8, $2::text)',
      await sealedPosition(this.pool),
    );
    return rows[0]!.n;
  }

  async heads(): Promise<StoredLogHead[]> {
    return (await this.pool.query<LogHeadRow>('SELECT * FROM log_heads ORDER BY vdn')).rows.map(toLogHead);
  }

  async head(vdn: number): Promise<StoredLogHead | undefined> {
    const row = (await this.pool.query<LogHeadRow>('SELECT * FROM log_heads WHERE vdn = $1', [vdn])).rows[0];
    return row && toLogHead(row);
  }

  async leafRange(vdn: number, fromMs: number, toMs: number, size: number): Promise<{ first: number; last: number } | undefined> {
    // OFFSET 0 keeps the planner from answering min and max by walking the primary key from each
    // end and filtering on time: that reads every leaf before the window (all of the log's for an
    // empty window). Fenced, the window's leaves come from the time index: 60 ms instead of 265 for
    // a week of 70,000 leaves behind 230,000 older ones, and 0.2 ms for an empty window.
    const row = (await this.pool.query<{ first: number | null; last: number | null }>(
      `SELECT min(idx) AS first, max(idx) AS last
       FROM (SELECT idx FROM log_leaves WHERE vdn = $1 AND oper_time BETWEEN $2 AND $3 AND idx < $4 OFFSET 0) window_leaves`,
      [vdn, fromMs, toMs, size],
    )).rows[0]!;
    return row.first === null ? undefined : { first: row.first, last: row.last! };
  }

  async leafColumns(vdn: number, start: number, end: number): Promise<LeafColumns> {
    const row = (await this.pool.query<{ ids: string; times: string; digests: Buffer | null }>(
      `SELECT ${jsonArrayPostgres('record_id', ' ORDER BY idx')} AS ids, ${jsonArrayPostgres('oper_time', ' ORDER BY idx')} AS times,
         string_agg(digest, ''::bytea ORDER BY idx) AS digests
       FROM log_leaves WHERE vdn = $1 AND idx >= $2 AND idx < $3`,
      [vdn, start, end],
    )).rows[0]!;
    return { ids: row.ids, operTimes: row.times, digests: row.digests ?? new Uint8Array() };
  }

  async recordExtras(vdn: number, fromMs: number, toMs: number): Promise<JsonColumns<ProofExtraFields>> {
    return (await this.pool.query<JsonColumns<ProofExtraFields>>(RECORD_EXTRAS_POSTGRES, [vdn, fromMs, toMs])).rows[0]!;
  }

  async nodeHashes(vdn: number, nodes: { level: number; index: number }[]): Promise<Uint8Array[]> {
    const { rows } = await this.pool.query<{ level: number; idx: number; hash: Buffer }>(
      'SELECT level, idx, hash FROM log_nodes WHERE vdn = $1 AND (level, idx) IN (SELECT * FROM unnest($2::int[], $3::bigint[]))',
      [vdn, nodes.map((n) => n.level), nodes.map((n) => n.index)],
    );
    const found = new Map(rows.map((row) => [`${row.level}/${row.idx}`, row.hash]));
    return nodes.map((node) => {
      const hash = found.get(`${node.level}/${node.index}`);
      if (!hash) throw new Error(`log ${vdn}: no stored subtree at level ${node.level}, index ${node.index}`);
      return hash;
    });
  }

  async saveCheckpoint(vdn: number, size: number, note: string): Promise<void> {
    await this.pool.query(
      'UPDATE log_heads SET checkpoint = $1, checkpoint_size = $2 WHERE vdn = $3 AND coalesce(checkpoint_size, -1) < $2',
      [note, size, vdn],
    );
  }

  async registerKey(verifierKey: string): Promise<string> {
    await this.pool.query('UPDATE log_state SET verifier_key = $1 WHERE verifier_key IS NULL', [verifierKey]);
    return (await this.registeredKey())!;
  }

  async registeredKey(): Promise<string | null> {
    return (await this.pool.query<{ verifier_key: string | null }>('SELECT verifier_key FROM log_state')).rows[0]!.verifier_key;
  }

  async *leaves(vdn: number, start = 0, end = Number.MAX_SAFE_INTEGER): AsyncIterable<LeafWithRecord> {
    for (let next = start; next < end;) {
      const { rows } = await this.pool.query<RecordRow & Omit<LeafRow, 'oper_time'> & { leaf_time: number; rid: string | null }>(
        `SELECT l.idx, l.record_id, l.oper_time AS leaf_time, l.digest, r.id AS rid, ${R_RECORD_COLUMNS}
         FROM (SELECT * FROM log_leaves WHERE vdn = $1 AND idx >= $2 AND idx < $3 ORDER BY idx LIMIT ${PAGE}) l
         LEFT JOIN records r ON r.oper_time = l.oper_time AND r.id = l.record_id
         ORDER BY l.idx`,
        [vdn, next, end],
      );
      for (const row of rows) {
        yield { ...toLeafEntry({ ...row, oper_time: row.leaf_time }), record: row.rid === null ? undefined : toRecord(row) };
      }
      if (rows.length < PAGE) return;
      next = rows[rows.length - 1]!.idx + 1;
    }
  }

  async *unlogged(): AsyncIterable<CallRecord> {
    const { rows } = await this.pool.query<RecordRow>(
      `SELECT ${R_RECORD_COLUMNS} FROM records r, log_state s WHERE (r.seal_txid, r.id) <= (s.sealed_txid, s.sealed_id)
       AND NOT EXISTS (SELECT 1 FROM log_leaves l WHERE l.vdn = r.vdn AND l.oper_time = r.oper_time AND l.record_id = r.id)`,
    );
    for (const row of rows) yield toRecord(row);
  }

  async retainedFrom(): Promise<number> {
    return (await this.pool.query<{ retained_from: number }>('SELECT retained_from FROM log_state')).rows[0]!.retained_from;
  }
}
