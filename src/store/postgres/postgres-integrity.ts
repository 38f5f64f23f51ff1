import type pg from 'pg';
import type { CallRecord } from '../../contract/record.js';
import { emptyHead, packFrontier, unpackFrontier, type LogHeadState } from '../../integrity/log-append.js';
import { nodeHashing } from '../../integrity/node-crypto.js';
import { leavesPerLog, sealRecords } from '../../integrity/seal.js';
import {
  extraFieldsOfParts, extrasRetained, findLeaf, inWindow, leafColumnsOfParts, leavesOfPart, partsFrom, TILE_EXTRAS_COLUMNS,
  mergesParts, TILE_PART_COLUMNS, TILE_WIDTH, tileFilled, tilePartsWith, type TileExtras, type TileExtrasPart, type TilePart,
} from '../leaf-tiles.js';
import { RECORD_COLUMNS, R_RECORD_COLUMNS, recordOfValues, toLogHead, toRecord, type LogHeadRow, type RecordRow, type RowValues } from '../rows.js';
import type { IntegrityRepository, LeafColumns, LeavesWithExtras, LeafWithRecord, StoredLogHead } from '../types.js';
import { binaryRows, copyBinaryRows, integerOf, type BinaryColumnType } from './binary-rows.js';

/** Any constant: the advisory lock that lets one sealer at a time work on a database. */
export const SEALER_LOCK = 0x63616c6c;
/** The columns of `log_tiles` as a seal writes them, in the order of its rows' values. */
const TILE_ROW_COLUMNS: [string, BinaryColumnType][] = [
  ['vdn', 'int4'], ['first_leaf', 'int8'], ['min_time', 'int8'], ['max_time', 'int8'], ['ids', 'text'], ['oper_times', 'text'],
  ['digests', 'bytea'], ['aks', 'text'], ['client_ips', 'text'], ['durations', 'text'],
];
/** Tile parts read at a time while a log is read whole (verify). */
const PARTS_A_PAGE = 20;

/**
 * The last sealed record's (transaction, id), as values: compared with constants, the row comparison
 * is an index condition on `records_by_seal`; joined to `log_state` it was a filter, and every seal
 * read all the records sealed before it again.
 */
async function sealedPosition(db: pg.Pool | pg.PoolClient): Promise<[string, string]> {
  const { rows } = await db.query<{ txid: string; id: string }>('SELECT sealed_txid::text AS txid, sealed_id AS id FROM log_state');
  return [rows[0]!.txid, rows[0]!.id];
}

/** A seal's read of records: each row its RECORD_COLUMNS values, then its transaction (at TXID). */
const SEAL_READ = `SELECT ${R_RECORD_COLUMNS}, r.seal_txid::text FROM records r`;
const TXID = RECORD_COLUMNS.length;

export type Transaction = <T>(work: (client: pg.PoolClient) => Promise<T>) => Promise<T>;

/** The condition for the tile parts holding leaves `start` to `end - 1` of a log, its integers written in (binaryRows takes no parameters). */
function tilesHolding(vdn: number, start: number, end: number): string {
  const [from, below] = [partsFrom(start), end];
  if (![vdn, from, below].every(Number.isSafeInteger)) throw new Error(`log ${vdn}: leaves ${start} to ${end} are not integers`);
  return `vdn = ${vdn} AND first_leaf >= ${from} AND first_leaf < ${below}`;
}

/** Tile parts read at each end of a window's candidates while its first and last leaf are looked for. */
const RANGE_ENDS_READ = 2;
/** Tile parts holding leaves on both sides of a retention horizon, read at a time. */
const STRADDLING_A_PAGE = 200;

/**
 * Retention's share of the logs: the extras of records received before `horizon` dropped from the
 * tiles (extrasRetained). To run in the transaction that raises the horizon, holding the sealer's
 * lock from its start (pg_advisory_xact_lock(SEALER_LOCK)), so that no seal fills a tile from parts
 * read before.
 */
export async function retainTileExtras(client: pg.PoolClient, horizon: number): Promise<void> {
  await client.query('UPDATE log_tiles SET aks = NULL, client_ips = NULL, durations = NULL WHERE max_time < $1 AND aks IS NOT NULL', [horizon]);
  for (let after = [-1, -1]; ;) {
    const { rows } = await client.query<{ vdn: number } & Pick<TilePart, 'first' | 'operTimes'> & TileExtras>(
      `SELECT vdn, first_leaf AS "first", oper_times AS "operTimes", ${TILE_EXTRAS_COLUMNS} FROM log_tiles
       WHERE min_time < $1 AND aks IS NOT NULL AND (vdn, first_leaf) > ($2, $3) ORDER BY vdn, first_leaf LIMIT ${STRADDLING_A_PAGE}`,
      [horizon, ...after],
    );
    if (rows.length === 0) return;
    const changed = rows.flatMap((part) => {
      const kept = extrasRetained(part, horizon);
      return kept ? [{ ...part, ...kept }] : [];
    });
    if (changed.length > 0) await client.query(
      `UPDATE log_tiles t SET aks = c.aks, client_ips = c.client_ips, durations = c.durations
       FROM unnest($1::int[], $2::bigint[], $3::text[], $4::text[], $5::text[]) AS c(vdn, first_leaf, aks, client_ips, durations)
       WHERE t.vdn = c.vdn AND t.first_leaf = c.first_leaf`,
      [changed.map((c) => c.vdn), changed.map((c) => c.first), changed.map((c) => c.aks), changed.map((c) => c.clientIps), changed.map((c) => c.durations)],
    );
    after = [rows.at(-1)!.vdn, rows.at(-1)!.first];
  }
}

/**
 * The logs in PostgreSQL, written by several instances. A seal takes a transaction-level advisory
 * lock (another instance's seal in progress: nothing to do now; a sealer that dies releases it
 * with its connection), reads the oldest transaction still running (its snapshot's xmin) and seals
 * the records of the transactions below it after the last sealed one, in (transaction, id) order.
 */
export class PostgresIntegrity implements IntegrityRepository {
  /**
   * A seal blocks no writer here, and each costs a part row per VDN it reaches and a plan over
   * every day's partition: 10,000 records a seal cost PostgreSQL half the CPU a record of 2,000 (bench/seal-batch.mjs).
   */
  readonly sealBatch = 10_000;
  readonly sealBlocksWriters = false;

  constructor(
    private readonly pool: pg.Pool,
    private readonly transaction: Transaction,
  ) {}

  seal(max: number): Promise<number> {
    return this.transaction(async (client) => {
      const locked = await client.query<{ locked: boolean }>('SELECT pg_try_advisory_xact_lock($1) AS locked', [SEALER_LOCK]);
      if (!locked.rows[0]!.locked) return 0;
      // The records in seal order from the index, always: asked for a large share of the waiting
      // records, the planner would rather sort them all, once per seal.
      await client.query('SET LOCAL enable_sort = off');
      // As arrays, as the SQLite sealer reads them: no object of named columns per row.
      const rows = (await client.query<[...RowValues, string]>({
        text: `${SEAL_READ}
               WHERE (r.seal_txid, r.id) > ($1::xid8, $2::text) AND r.seal_txid < pg_snapshot_xmin(pg_current_snapshot())
               ORDER BY r.seal_txid, r.id LIMIT $3`,
        values: [...(await sealedPosition(client)), max],
        rowMode: 'array',
      })).rows;
      if (rows.length === 0) return 0;
      // An id is unique only with its receive time (an import may bring one id twice, at two
      // times, in one transaction): the seal's position would step over the copies its batch
      // left, so they join this seal.
      if (rows.length === max) {
        const last = rows[rows.length - 1]!;
        const taken = rows.filter((row) => row[0] === last[0] && row[TXID] === last[TXID]).map((row) => row[2]);
        rows.push(...(await client.query<[...RowValues, string]>({
          text: `${SEAL_READ} WHERE r.seal_txid = $1::xid8 AND r.id = $2 AND r.oper_time <> ALL($3::bigint[])`,
          values: [last[TXID], last[0], taken],
          rowMode: 'array',
        })).rows);
      }
      const records = rows.map(recordOfValues);
      const added = leavesPerLog(records);
      const stored = (await client.query<LogHeadRow>('SELECT * FROM log_heads WHERE vdn = ANY($1::int[])', [[...added.keys()]])).rows;
      const heads = new Map<number, LogHeadState>(stored.map((row) => [row.vdn, { size: row.size, frontier: unpackFrontier(row.frontier) }]));
      const headOf = (vdn: number): LogHeadState => {
        let head = heads.get(vdn);
        if (!head) heads.set(vdn, (head = emptyHead()));
        return head;
      };
      const filled = stored.flatMap((row) => {
        const tileFirst = tileFilled(row.size, added.get(row.vdn)!);
        return tileFirst === undefined ? [] : [{ vdn: row.vdn, tileFirst }];
      });
      const inFilled = `FROM log_tiles t, unnest($1::int[], $2::bigint[]) AS f(vdn, tile_first)
         WHERE t.vdn = f.vdn AND t.first_leaf >= f.tile_first AND t.first_leaf < f.tile_first + ${TILE_WIDTH}`;
      const partCounts = filled.length === 0 ? [] : (await client.query<{ vdn: number; parts: number }>(
        `SELECT t.vdn, count(*)::int AS parts ${inFilled} GROUP BY t.vdn`, [filled.map((f) => f.vdn), filled.map((f) => f.tileFirst)],
      )).rows;
      const merged = filled.filter((f) => mergesParts(partCounts.find((c) => c.vdn === f.vdn)?.parts ?? 0));
      const mergedParts = merged.length === 0 ? [] : (await client.query<TilePart & TileExtras & { vdn: number }>(
        `SELECT t.vdn, ${TILE_PART_COLUMNS}, ${TILE_EXTRAS_COLUMNS} ${inFilled} ORDER BY t.vdn, t.first_leaf`,
        [merged.map((f) => f.vdn), merged.map((f) => f.tileFirst)],
      )).rows;
      const { leaves, nodes } = sealRecords(nodeHashing, headOf, records);
      const parts = tilePartsWith(leaves, (vdn) => (merged.some((f) => f.vdn === vdn) ? mergedParts.filter((part) => part.vdn === vdn) : undefined));
      if (parts.replaced.length > 0) {
        await client.query(
          `DELETE FROM log_tiles t USING unnest($1::int[], $2::bigint[]) AS f(vdn, tile_first)
           WHERE t.vdn = f.vdn AND t.first_leaf >= f.tile_first AND t.first_leaf < f.tile_first + ${TILE_WIDTH}`,
          [parts.replaced.map((r) => r.vdn), parts.replaced.map((r) => r.tileFirst)],
        );
      }
      await copyBinaryRows(client, 'log_tiles', TILE_ROW_COLUMNS, parts.rows.map((t) => [
        t.vdn, t.first, t.minTime, t.maxTime, t.ids, t.operTimes, t.digests, t.aks, t.clientIps, t.durations,
      ]));
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
      await client.query('UPDATE log_state SET sealed_txid = $1, sealed_id = $2', [last[TXID], last[0]]);
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
    // The candidates from the time index; of those, the parts at the ends are read (a week of the hot
    // VDN: 4 of 274), and all of them only when none at an end holds a leaf of the window.
    const read = async (ends: number | null) => (await this.pool.query<Pick<TilePart, 'first' | 'operTimes'>>(
      `WITH c AS (SELECT first_leaf FROM log_tiles WHERE vdn = $1 AND max_time >= $2 AND min_time <= $3 AND first_leaf < $4)
       SELECT first_leaf AS "first", oper_times AS "operTimes" FROM log_tiles WHERE vdn = $1 AND first_leaf IN (
         (SELECT first_leaf FROM c ORDER BY first_leaf LIMIT $5) UNION ALL (SELECT first_leaf FROM c ORDER BY first_leaf DESC LIMIT $5))
       ORDER BY first_leaf`,
      [vdn, fromMs, toMs, size, ends],
    )).rows;
    const wanted = inWindow(fromMs, toMs, size);
    const ends = await read(RANGE_ENDS_READ);
    let first = findLeaf(ends.slice(0, RANGE_ENDS_READ), wanted);
    let last = findLeaf(ends.slice(-RANGE_ENDS_READ).reverse(), wanted, true);
    if (first === undefined || last === undefined) {
      const all = await read(null);
      first = findLeaf(all, wanted);
      last = findLeaf(all.reverse(), wanted, true);
    }
    return first === undefined ? undefined : { first, last: last! };
  }

  async leafColumns(vdn: number, start: number, end: number): Promise<LeafColumns> {
    const rows = await binaryRows(this.pool, `SELECT first_leaf, ids, oper_times, digests FROM log_tiles WHERE ${tilesHolding(vdn, start, end)} ORDER BY first_leaf`);
    const parts = rows.map(([first, ids, operTimes, digests]): TilePart => ({ first: integerOf(first ?? null), ids: ids!, operTimes: operTimes!, digests: digests! }));
    return leafColumnsOfParts(vdn, parts, start, end);
  }

  async proofLeaves(vdn: number, start: number, end: number): Promise<LeavesWithExtras> {
    // One read of the tiles for both (their ids and times once); the horizon in the same snapshot:
    // retention scrubs the parts as it moves the horizon.
    const rows = await binaryRows(this.pool, `SELECT first_leaf, length(digests) / 32, min_time, ids, oper_times, digests, aks, client_ips, durations,
      (SELECT retained_from FROM log_state) FROM log_tiles WHERE ${tilesHolding(vdn, start, end)} ORDER BY first_leaf`);
    const parts = rows.map(([first, count, minTime, ids, operTimes, digests, aks, clientIps, durations]): TilePart & TileExtrasPart => ({
      first: integerOf(first ?? null), count: integerOf(count ?? null), minTime: integerOf(minTime ?? null),
      ids: ids!, operTimes: operTimes!, digests: digests!, aks: aks ?? null, clientIps: clientIps ?? null, durations: durations ?? null,
    }));
    return {
      leaves: leafColumnsOfParts(vdn, parts, start, end),
      extraFields: extraFieldsOfParts(vdn, parts, start, end, rows[0] ? integerOf(rows[0][9] ?? null) : 0),
    };
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
    for (let next = partsFrom(start); ;) {
      const parts = (await this.pool.query<TilePart>(
        `SELECT ${TILE_PART_COLUMNS} FROM log_tiles WHERE vdn = $1 AND first_leaf >= $2 AND first_leaf < $3 ORDER BY first_leaf LIMIT ${PARTS_A_PAGE}`,
        [vdn, next, end],
      )).rows;
      if (parts.length === 0) return;
      const leaves = parts.flatMap(leavesOfPart);
      // A leaf's record: the one of its time and id (the caller compares its VDN and digest).
      const { rows } = await this.pool.query<RecordRow & { rid: string | null }>(
        `SELECT r.id AS rid, ${R_RECORD_COLUMNS}
         FROM unnest($1::text[], $2::bigint[]) WITH ORDINALITY AS l(id, oper_time, n)
         LEFT JOIN records r ON r.oper_time = l.oper_time AND r.id = l.id ORDER BY l.n`,
        [leaves.map((l) => l.recordId), leaves.map((l) => l.operTime)],
      );
      for (const [i, leaf] of leaves.entries()) {
        if (leaf.index < start || leaf.index >= end) continue;
        const row = rows[i]!;
        yield { ...leaf, record: row.rid === null ? undefined : toRecord(row) };
      }
      next = parts.at(-1)!.first + 1;
    }
  }

  async *unlogged(): AsyncIterable<CallRecord> {
    const { rows } = await this.pool.query<RecordRow>(
      `WITH leaves AS (
         SELECT t.vdn, l.id, l.oper_time::bigint AS oper_time
         FROM log_tiles t, ROWS FROM (json_array_elements_text(t.ids::json), json_array_elements_text(t.oper_times::json)) AS l(id, oper_time))
       SELECT ${R_RECORD_COLUMNS} FROM records r, log_state s WHERE (r.seal_txid, r.id) <= (s.sealed_txid, s.sealed_id)
       AND NOT EXISTS (SELECT 1 FROM leaves l WHERE l.vdn = r.vdn AND l.oper_time = r.oper_time AND l.id = r.id)`,
    );
    for (const row of rows) yield toRecord(row);
  }

  async retainedFrom(): Promise<number> {
    return (await this.pool.query<{ retained_from: number }>('SELECT retained_from FROM log_state')).rows[0]!.retained_from;
  }
}
