import type pg from 'pg';
import { concatJsonArrays, type JsonColumns, type ProofExtraFields } from '../../contract/proof.js';
import type { CallRecord } from '../../contract/record.js';
import { emptyHead, packFrontier, unpackFrontier, type LogHeadState } from '../../integrity/log-append.js';
import { nodeHashing } from '../../integrity/node-crypto.js';
import { sealRecords } from '../../integrity/seal.js';
import { findLeaf, inWindow, leafColumnsOfTiles, leavesOfTile, openTileOf, TILE_COLUMNS, TILE_WIDTH, tilesWith, type TileColumns } from '../leaf-tiles.js';
import { RECORD_EXTRAS_POSTGRES, R_RECORD_COLUMNS, toLogHead, toRecord, type LogHeadRow, type RecordRow } from '../rows.js';
import type { IntegrityRepository, LeafColumns, LeafWithRecord, StoredLogHead } from '../types.js';

/** Any constant: the advisory lock that lets one sealer at a time work on a database. */
export const SEALER_LOCK = 0x63616c6c;
/** Tiles read at a time while a log is read whole (verify). */
const TILES_A_PAGE = 20;

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
      const open = stored.flatMap((row) => {
        const tile = openTileOf(row.size);
        return tile === undefined ? [] : [{ vdn: row.vdn, tile }];
      });
      const openTiles = new Map((await client.query<TileColumns & { vdn: number }>(
        `SELECT vdn, ${TILE_COLUMNS} FROM log_tiles WHERE (vdn, tile) IN (SELECT * FROM unnest($1::int[], $2::bigint[]))`,
        [open.map((t) => t.vdn), open.map((t) => t.tile)],
      )).rows.map((row) => [row.vdn, row]));
      const { leaves, nodes } = sealRecords(nodeHashing, headOf, rows.map(toRecord));
      const tiles = tilesWith(leaves, (vdn) => openTiles.get(vdn));
      await client.query(
        `INSERT INTO log_tiles (vdn, tile, min_time, max_time, ids, oper_times, digests)
         SELECT * FROM unnest($1::int[], $2::bigint[], $3::bigint[], $4::bigint[], $5::text[], $6::text[], $7::bytea[])
         ON CONFLICT (vdn, tile) DO UPDATE SET min_time = excluded.min_time, max_time = excluded.max_time, ids = excluded.ids, oper_times = excluded.oper_times, digests = excluded.digests`,
        [tiles.map((t) => t.vdn), tiles.map((t) => t.tile), tiles.map((t) => t.minTime), tiles.map((t) => t.maxTime), tiles.map((t) => t.ids), tiles.map((t) => t.operTimes), tiles.map((t) => t.digests)],
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
    // The candidates from the time index; the tiles at the ends are the ones read, until one holds a leaf of the window.
    const { rows } = await this.pool.query<Pick<TileColumns, 'tile' | 'operTimes'>>(
      `SELECT tile, oper_times AS "operTimes" FROM log_tiles WHERE vdn = $1 AND tile = ANY (
         SELECT tile FROM log_tiles WHERE vdn = $1 AND max_time >= $2 AND min_time <= $3 AND tile < $4)
       ORDER BY tile`,
      [vdn, fromMs, toMs, Math.ceil(size / TILE_WIDTH)],
    );
    const wanted = inWindow(fromMs, toMs, size);
    const first = findLeaf(rows, wanted);
    return first === undefined ? undefined : { first, last: findLeaf(rows.reverse(), wanted, true)! };
  }

  async leafColumns(vdn: number, start: number, end: number): Promise<LeafColumns> {
    const { rows } = await this.pool.query<TileColumns>(
      `SELECT ${TILE_COLUMNS} FROM log_tiles WHERE vdn = $1 AND tile >= $2 AND tile < $3 ORDER BY tile`,
      [vdn, Math.floor(start / TILE_WIDTH), Math.ceil(end / TILE_WIDTH)],
    );
    return leafColumnsOfTiles(vdn, rows, start, end);
  }

  async recordExtras(vdn: number, fromMs: number, toMs: number): Promise<JsonColumns<ProofExtraFields>> {
    // Each half of the window on a connection of its own: PostgreSQL 15 aggregates JSON on one core
    // per query, and building it is most of the work (a week of the hot VDN: 59-76 ms in one query, 37-45 in two).
    const middle = fromMs + Math.floor((toMs - fromMs) / 2);
    const halves = await Promise.all([[fromMs, middle], [middle + 1, toMs]].filter(([from, to]) => from! <= to!).map(async (half) =>
      (await this.pool.query<JsonColumns<ProofExtraFields>>(RECORD_EXTRAS_POSTGRES, [vdn, ...half])).rows[0]!));
    const column = (name: keyof ProofExtraFields) => concatJsonArrays(halves.map((half) => half[name]));
    return { ids: column('ids'), ak: column('ak'), clientIp: column('clientIp'), durationMs: column('durationMs') };
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
    for (let next = Math.floor(start / TILE_WIDTH); ;) {
      const tiles = (await this.pool.query<TileColumns>(
        `SELECT ${TILE_COLUMNS} FROM log_tiles WHERE vdn = $1 AND tile >= $2 AND tile < $3 ORDER BY tile LIMIT ${TILES_A_PAGE}`,
        [vdn, next, Math.ceil(end / TILE_WIDTH)],
      )).rows;
      if (tiles.length === 0) return;
      const leaves = tiles.flatMap(leavesOfTile);
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
      next = tiles.at(-1)!.tile + 1;
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
