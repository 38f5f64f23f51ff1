import type Database from 'better-sqlite3';
import type { JsonColumns, ProofExtraFields } from '../../contract/proof.js';
import { extraFieldsOfParts, leafColumnsOfParts, partsFrom, type TileExtrasPart, type TilePart } from '../leaf-tiles.js';
import type { LeafColumns } from '../types.js';

/** The two long reads of a proof (IntegrityRepository's leafColumns, and the extra fields of proofLeaves). */
export type ProofColumnsRead = { read: 'leafColumns' | 'leafExtras'; vdn: number; start: number; end: number };

export type ProofColumns<R extends ProofColumnsRead> = R extends { read: 'leafColumns' } ? LeafColumns : JsonColumns<ProofExtraFields>;

const PARTS = (columns: string) => `SELECT ${columns} FROM log_tiles WHERE vdn = ? AND first_leaf >= ? AND first_leaf < ? ORDER BY first_leaf`;
/** A text column read as its UTF-8 bytes, spliced into the answer without being decoded and encoded again. */
const bytesOf = (column: string, name = column) => `CAST(${column} AS BLOB) AS "${name}"`;
const TEXTS = `${bytesOf('ids')}, ${bytesOf('oper_times', 'operTimes')}`;
const LEAF_COLUMNS = `first_leaf AS "first", ${TEXTS}, digests`;
const EXTRAS_COLUMNS = `first_leaf AS "first", length(digests) / 32 AS "count", min_time AS "minTime", ${TEXTS}, ${bytesOf('aks')}, ${bytesOf('client_ips', 'clientIps')}, ${bytesOf('durations')}`;

/**
 * Runs one of a proof's long reads from the tiles, nothing parsed but the two tile parts at the ends
 * (and, for the extra fields, parts holding leaves older than the retention horizon). The server
 * runs them side by side on read threads (read-worker.ts), other callers on their connection.
 */
export function readProofColumns<R extends ProofColumnsRead>(db: Database.Database, request: R): ProofColumns<R> {
  const { vdn, start, end } = request;
  if (request.read === 'leafExtras') {
    // The horizon and the parts as of one snapshot: retention scrubs the parts as it moves the horizon.
    return db.transaction(() => {
      const retainedFrom = db.prepare('SELECT retained_from FROM log_state').pluck().get() as number;
      const parts = db.prepare(PARTS(EXTRAS_COLUMNS)).all(vdn, partsFrom(start), end) as TileExtrasPart[];
      return extraFieldsOfParts(vdn, parts, start, end, retainedFrom);
    })() as ProofColumns<R>;
  }
  const parts = db.prepare(PARTS(LEAF_COLUMNS)).all(vdn, partsFrom(start), end) as TilePart[];
  return leafColumnsOfParts(vdn, parts, start, end) as ProofColumns<R>;
}
