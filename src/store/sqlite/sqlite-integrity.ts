import type Database from 'better-sqlite3';
import { textOf } from '../../contract/proof.js';
import type { CallRecord } from '../../contract/record.js';
import { emptyHead, packFrontier, unpackFrontier, type LogHeadState } from '../../integrity/log-append.js';
import { nodeHashing } from '../../integrity/node-crypto.js';
import { leavesPerLog, sealRecords, type NodeRow } from '../../integrity/seal.js';
import { extrasRetained, findLeaf, inWindow, leavesOfPart, mergesParts, partsFrom, TILE_EXTRAS_COLUMNS, TILE_PART_COLUMNS, TILE_WIDTH, tileFilled, tilePartsWith, type TileExtras, type TilePart } from '../leaf-tiles.js';
import { RECORD_COLUMNS, R_RECORD_COLUMNS, recordOfValues, toLogHead, toRecord, type LogHeadRow, type RecordRow, type RowValues } from '../rows.js';
import type { IntegrityRepository, LeafColumns, LeavesWithExtras, LeafWithRecord, StoredLogHead } from '../types.js';
import { guarded } from './guarded.js';
import { readProofColumns, type ProofColumns, type ProofColumnsRead } from './proof-columns.js';
import type { ProofReadThreads } from './read-threads.js';


/** Tile parts read at a time while a log is read whole (verify). */
const PARTS_A_PAGE = 64;
type Sealed = ReturnType<typeof tilePartsWith> & { nodes: NodeRow[] };

/**
 * Retention's share of the logs: the extras of records received before `horizon` dropped from the
 * tiles (extrasRetained). To run in the transaction that raises the horizon, which is how a seal
 * that read those parts before knows to start again.
 */
export function retainTileExtras(db: Database.Database): (horizon: number) => void {
  const wholly = db.prepare('UPDATE log_tiles SET aks = NULL, client_ips = NULL, durations = NULL WHERE max_time < ? AND aks IS NOT NULL');
  const straddling = db.prepare<[number], { vdn: number } & Pick<TilePart, 'first' | 'operTimes'> & TileExtras>(
    `SELECT vdn, first_leaf AS "first", oper_times AS "operTimes", ${TILE_EXTRAS_COLUMNS} FROM log_tiles WHERE min_time < ? AND aks IS NOT NULL`,
  );
  const update = db.prepare('UPDATE log_tiles SET aks = ?, client_ips = ?, durations = ? WHERE vdn = ? AND first_leaf = ?');
  return (horizon) => {
    wholly.run(horizon);
    for (const part of straddling.all(horizon)) {
      const kept = extrasRetained(part, horizon);
      if (kept) update.run(kept.aks, kept.clientIps, kept.durations, part.vdn, part.first);
    }
  };
}

/**
 * The logs in SQLite. One writer at a time means rowids are handed out in commit order, so the
 * records after the last sealed rowid are exactly the ones not sealed yet. A seal reads and hashes
 * them outside any write lock (the hashing is most of its work) and takes the lock only to store
 * the leaves, and only if no other sealer moved the sealed position meanwhile: record batches wait
 * for a seal's inserts, never for its hashing.
 */
export class SqliteIntegrity implements IntegrityRepository {
  /**
   * Each seal takes the write lock once, beside a writer committing all the time. At 2,000 a seal
   * (20 a second under load) the two handed the lock back and forth, the WAL could seldom restart
   * and grew to ~260 MB, and ingest lost ~18 %; at 10,000 the WAL stays under 40 MB and ingest loses
   * ~9 %, for a writer's longest wait of ~10 ms instead of ~8 (bench/integrity.mjs 1, bench/seal-batch.mjs).
   */
  readonly sealBatch = 10_000;
  readonly sealBlocksWriters = true;
  private readonly sealWaiting: (max: number) => number;

  /** `reads`: threads for a proof's long reads (else they run on this connection); `afterSeal`: run after each seal that sealed records. */
  constructor(
    private readonly db: Database.Database,
    private readonly reads?: ProofReadThreads,
    private readonly afterSeal?: () => void,
  ) {
    // The sealed position, and the retention horizon (retention rewrites the parts of tiles a seal may fill).
    const position = db.prepare<[], [number, number]>('SELECT sealed_rowid, retained_from FROM log_state').raw(true);
    // As arrays: 1.6 instead of 3.1 µs a row (no object of named columns per row).
    const unsealed = db.prepare<[number, number], [...RowValues, number]>(
      `SELECT ${RECORD_COLUMNS.join(', ')}, rowid FROM records WHERE rowid > ? ORDER BY rowid LIMIT ?`,
    ).raw(true);
    const head = db.prepare<[number], LogHeadRow>('SELECT * FROM log_heads WHERE vdn = ?');
    const tileParts = db.prepare<[number, number, number], TilePart & TileExtras>(
      `SELECT ${TILE_PART_COLUMNS}, ${TILE_EXTRAS_COLUMNS} FROM log_tiles WHERE vdn = ? AND first_leaf >= ? AND first_leaf < ? ORDER BY first_leaf`,
    );
    const partCount = db.prepare<[number, number, number], number>('SELECT count(*) FROM log_tiles WHERE vdn = ? AND first_leaf >= ? AND first_leaf < ?').pluck();
    const removeParts = db.prepare('DELETE FROM log_tiles WHERE vdn = ? AND first_leaf >= ? AND first_leaf < ?');
    const addPart = db.prepare(
      'INSERT INTO log_tiles (vdn, first_leaf, min_time, max_time, ids, oper_times, digests, aks, client_ips, durations) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)',
    );
    const addNode = db.prepare('INSERT INTO log_nodes (vdn, level, idx, hash) VALUES (?, ?, ?, ?)');
    const saveHead = db.prepare(
      `INSERT INTO log_heads (vdn, size, frontier) VALUES (?, ?, ?)
       ON CONFLICT (vdn) DO UPDATE SET size = excluded.size, frontier = excluded.frontier`,
    );
    const advance = db.prepare('UPDATE log_state SET sealed_rowid = ?');
    // One snapshot: the waiting records, their logs' heads and the parts of the tiles they will fill, as of the same position.
    const readWaiting = db.transaction((max: number) => {
      const at = position.get()!;
      const from = at[0];
      const rows = unsealed.all(from, max);
      const records = rows.map(recordOfValues);
      const added = leavesPerLog(records);
      const heads = new Map<number, LogHeadState>();
      const filledParts = new Map<number, (TilePart & TileExtras)[]>();
      for (const [vdn, count] of added) {
        const row = head.get(vdn);
        heads.set(vdn, row ? { size: row.size, frontier: unpackFrontier(row.frontier) } : emptyHead());
        const filled = row && tileFilled(row.size, count);
        if (filled !== undefined && mergesParts(partCount.get(vdn, filled, filled + TILE_WIDTH)!)) filledParts.set(vdn, tileParts.all(vdn, filled, filled + TILE_WIDTH));
      }
      return { at, last: rows.at(-1)?.[RECORD_COLUMNS.length], records, heads, filledParts, sizes: new Map([...heads].map(([vdn, state]) => [vdn, state.size])) };
    });
    // Still as the snapshot saw it: the position and horizon (retention may lower the one and raise the other) and the logs' sizes.
    const unchanged = (at: [number, number], sizes: Map<number, number>): boolean => {
      const now = position.get()!;
      return now[0] === at[0] && now[1] === at[1] && [...sizes].every(([vdn, size]) => (head.get(vdn)?.size ?? 0) === size);
    };
    const store = db.transaction((at: [number, number], sizes: Map<number, number>, last: number, sealed: Sealed, heads: Map<number, LogHeadState>): boolean => {
      if (!unchanged(at, sizes)) return false;
      for (const { vdn, tileFirst } of sealed.replaced) removeParts.run(vdn, tileFirst, tileFirst + TILE_WIDTH);
      for (const t of sealed.rows) addPart.run(t.vdn, t.first, t.minTime, t.maxTime, t.ids, t.operTimes, t.digests, t.aks, t.clientIps, t.durations);
      for (const n of sealed.nodes) addNode.run(n.vdn, n.level, n.index, n.hash);
      for (const [vdn, state] of heads) saveHead.run(vdn, state.size, packFrontier(state.frontier));
      advance.run(last);
      return true;
    }).immediate;
    this.sealWaiting = (max) => {
      const { at, last, records, heads, filledParts, sizes } = readWaiting(max);
      if (last === undefined) return 0;
      const { leaves, nodes } = sealRecords(nodeHashing, (vdn) => heads.get(vdn)!, records);
      const sealed = { ...tilePartsWith(leaves, (vdn) => filledParts.get(vdn)), nodes };
      // Another process sealed these first, or retention moved: nothing done here, the caller's next seal goes on.
      return store(at, sizes, last, sealed, heads) ? records.length : 0;
    };
  }

  seal(max: number): Promise<number> {
    return guarded(() => {
      const sealed = this.sealWaiting(max);
      if (sealed > 0) this.afterSeal?.();
      return sealed;
    });
  }

  unsealedCount(): Promise<number> {
    return guarded(() => this.db.prepare('SELECT count(*) FROM records WHERE rowid > (SELECT sealed_rowid FROM log_state)').pluck().get() as number);
  }

  heads(): Promise<StoredLogHead[]> {
    return guarded(() => (this.db.prepare('SELECT * FROM log_heads ORDER BY vdn').all() as LogHeadRow[]).map(toLogHead));
  }

  head(vdn: number): Promise<StoredLogHead | undefined> {
    return guarded(() => {
      const row = this.db.prepare('SELECT * FROM log_heads WHERE vdn = ?').get(vdn) as LogHeadRow | undefined;
      return row && toLogHead(row);
    });
  }

  leafRange(vdn: number, fromMs: number, toMs: number, size: number): Promise<{ first: number; last: number } | undefined> {
    return guarded(() => {
      // From the time index alone; then only the parts at the ends are read, until one holds a leaf of the window.
      const candidates = this.db.prepare('SELECT first_leaf FROM log_tiles WHERE vdn = ? AND max_time >= ? AND min_time <= ? AND first_leaf < ?')
        .pluck().all(vdn, fromMs, toMs, size) as number[];
      candidates.sort((a, b) => a - b);
      const timesOf = this.db.prepare<[number, number], Pick<TilePart, 'first' | 'operTimes'>>('SELECT first_leaf AS first, oper_times AS operTimes FROM log_tiles WHERE vdn = ? AND first_leaf = ?');
      const read = function* (firsts: number[]) {
        for (const first of firsts) yield timesOf.get(vdn, first)!;
      };
      const wanted = inWindow(fromMs, toMs, size);
      const first = findLeaf(read(candidates), wanted);
      return first === undefined ? undefined : { first, last: findLeaf(read(candidates.reverse()), wanted, true)! };
    });
  }

  leafColumns(vdn: number, start: number, end: number): Promise<LeafColumns> {
    return this.proofColumns({ read: 'leafColumns', vdn, start, end });
  }

  async proofLeaves(vdn: number, start: number, end: number): Promise<LeavesWithExtras> {
    // Two reads, side by side on the read threads.
    const [leaves, extraFields] = await Promise.all([this.leafColumns(vdn, start, end), this.proofColumns({ read: 'leafExtras', vdn, start, end })]);
    return { leaves, extraFields };
  }

  private proofColumns<R extends ProofColumnsRead>(request: R): Promise<ProofColumns<R>> {
    return this.reads ? this.reads.run(request) : guarded(() => readProofColumns(this.db, request));
  }

  nodeHashes(vdn: number, nodes: { level: number; index: number }[]): Promise<Uint8Array[]> {
    return guarded(() => {
      const get = this.db.prepare<[number, number, number], Buffer>('SELECT hash FROM log_nodes WHERE vdn = ? AND level = ? AND idx = ?').pluck();
      return nodes.map((node) => {
        const hash = get.get(vdn, node.level, node.index);
        if (!hash) throw new Error(`log ${vdn}: no stored subtree at level ${node.level}, index ${node.index}`);
        return hash;
      });
    });
  }

  saveCheckpoint(vdn: number, size: number, note: string): Promise<void> {
    return guarded(() => void this.db
      .prepare('UPDATE log_heads SET checkpoint = ?, checkpoint_size = ? WHERE vdn = ? AND coalesce(checkpoint_size, -1) < ?')
      .run(note, size, vdn, size));
  }

  registerKey(verifierKey: string): Promise<string> {
    return guarded(() => {
      this.db.prepare('UPDATE log_state SET verifier_key = ? WHERE verifier_key IS NULL').run(verifierKey);
      return this.db.prepare('SELECT verifier_key FROM log_state').pluck().get() as string;
    });
  }

  registeredKey(): Promise<string | null> {
    return guarded(() => this.db.prepare('SELECT verifier_key FROM log_state').pluck().get() as string | null);
  }

  async *leaves(vdn: number, start = 0, end = Number.MAX_SAFE_INTEGER): AsyncIterable<LeafWithRecord> {
    const parts = this.db.prepare<[number, number, number], TilePart>(
      `SELECT ${TILE_PART_COLUMNS} FROM log_tiles WHERE vdn = ? AND first_leaf >= ? AND first_leaf < ? ORDER BY first_leaf LIMIT ${PARTS_A_PAGE}`,
    );
    // Ids are unique: a leaf's record is the one of its id (the caller compares its VDN, time and digest).
    const records = this.db.prepare<[string], RecordRow & { rid: string | null }>(
      `SELECT r.id AS rid, ${R_RECORD_COLUMNS} FROM json_each(?) l LEFT JOIN records r ON r.id = l.value ORDER BY l.key`,
    );
    for (let next = partsFrom(start), page: TilePart[]; (page = parts.all(vdn, next, end)).length > 0;) {
      for (const part of page) {
        const rows = records.all(textOf(part.ids));
        for (const [i, leaf] of leavesOfPart(part).entries()) {
          if (leaf.index < start || leaf.index >= end) continue;
          const row = rows[i]!;
          yield { ...leaf, record: row.rid === null ? undefined : toRecord(row) };
        }
      }
      next = page.at(-1)!.first + 1;
    }
  }

  async *unlogged(): AsyncIterable<CallRecord> {
    // By id alone: ids are unique, and leaves() checks the VDN and time of the record a leaf names.
    const rows = this.db.prepare(
      `SELECT ${RECORD_COLUMNS.join(', ')} FROM records r WHERE rowid <= (SELECT sealed_rowid FROM log_state)
       AND r.id NOT IN (SELECT l.value FROM log_tiles, json_each(log_tiles.ids) l)`,
    ).iterate() as IterableIterator<RecordRow>;
    for (const row of rows) yield toRecord(row);
  }

  retainedFrom(): Promise<number> {
    return guarded(() => this.db.prepare('SELECT retained_from FROM log_state').pluck().get() as number);
  }
}
