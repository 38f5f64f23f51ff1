import type Database from 'better-sqlite3';
import type { JsonColumns, ProofExtraFields } from '../../contract/proof.js';
import { leafColumnsOfParts, partsFrom, TILE_PART_COLUMNS, type TilePart } from '../leaf-tiles.js';
import { RECORD_EXTRAS_SQLITE } from '../rows.js';
import type { LeafColumns } from '../types.js';

/** The two long reads of a proof (IntegrityRepository's leafColumns and recordExtras). */
export type ProofColumnsRead =
  | { read: 'leafColumns'; vdn: number; start: number; end: number }
  | { read: 'recordExtras'; vdn: number; fromMs: number; toMs: number };

export type ProofColumns<R extends ProofColumnsRead> = R extends { read: 'leafColumns' } ? LeafColumns : JsonColumns<ProofExtraFields>;

/**
 * Runs one of a proof's long reads: the extra fields aggregated by SQLite into JSON text, the leaves
 * spliced from their tiles (nothing parsed but the two tile parts at the ends). The server runs them
 * side by side on read threads (read-worker.ts), other callers on their connection.
 */
export function readProofColumns<R extends ProofColumnsRead>(db: Database.Database, request: R): ProofColumns<R> {
  if (request.read === 'recordExtras') {
    return db.prepare(RECORD_EXTRAS_SQLITE).get(request.vdn, request.fromMs, request.toMs) as ProofColumns<R>;
  }
  const { vdn, start, end } = request;
  const parts = db.prepare(`SELECT ${TILE_PART_COLUMNS} FROM log_tiles WHERE vdn = ? AND first_leaf >= ? AND first_leaf < ? ORDER BY first_leaf`)
    .all(vdn, partsFrom(start), end) as TilePart[];
  return leafColumnsOfParts(vdn, parts, start, end) as ProofColumns<R>;
}
