import type Database from 'better-sqlite3';
import type { JsonColumns, ProofExtraFields } from '../../contract/proof.js';
import { jsonArraySqlite, RECORD_EXTRAS_SQLITE } from '../rows.js';
import type { LeafColumns } from '../types.js';

/** The two long reads of a proof (IntegrityRepository's leafColumns and recordExtras). */
export type ProofColumnsRead =
  | { read: 'leafColumns'; vdn: number; start: number; end: number }
  | { read: 'recordExtras'; vdn: number; fromMs: number; toMs: number };

export type ProofColumns<R extends ProofColumnsRead> = R extends { read: 'leafColumns' } ? LeafColumns : JsonColumns<ProofExtraFields>;

/**
 * Runs one of a proof's long reads, aggregated by SQLite into JSON text (nothing parsed). The
 * server runs them side by side on read threads (read-worker.ts), other callers on their connection.
 */
export function readProofColumns<R extends ProofColumnsRead>(db: Database.Database, request: R): ProofColumns<R> {
  if (request.read === 'recordExtras') {
    return db.prepare(RECORD_EXTRAS_SQLITE).get(request.vdn, request.fromMs, request.toMs) as ProofColumns<R>;
  }
  // In the primary key's order, which the range scan feeds the aggregates (an ORDER BY inside
  // them would sort the rows again: 3x slower). group_concat keeps a blob's bytes as they are.
  const row = db.prepare(
    `SELECT ${jsonArraySqlite('record_id')} AS ids, ${jsonArraySqlite('oper_time')} AS times, CAST(group_concat(digest, '') AS BLOB) AS digests
     FROM log_leaves WHERE vdn = ? AND idx >= ? AND idx < ?`,
  ).get(request.vdn, request.start, request.end) as { ids: string; times: string; digests: Buffer | null };
  // A plain Uint8Array, as one from a read thread arrives (a Buffer crosses threads as one).
  const digests = row.digests ? new Uint8Array(row.digests.buffer, row.digests.byteOffset, row.digests.length) : new Uint8Array();
  return { ids: row.ids, operTimes: row.times, digests } as ProofColumns<R>;
}
