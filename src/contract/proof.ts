import { SUCCESS_CODE, fieldError } from './codes.js';
import { checkBodyShape, isEmpty, readInteger, readWallWindow, type CalllogsQuery } from './query.js';
import { errorBody, type ErrorBody } from './response.js';

/**
 * Our extension `POST .../campaigns/{vdnId}/calllogs/proof` (docs/integrity.md): what a verifier
 * needs to check records of the VDN against its tamper-evident log, offline. The body names a time
 * window (`beginTime`, `endTime`, as in the query) or a leaf range (`fromLeaf`, `toLeaf`), and
 * optionally `fromTreeSize`, the size of a checkpoint the caller saved earlier.
 */
export const PROOF_SUCCESS_DESC = 'queryCalllogProof success';

/** Leaves one answer lists at most: a longer range is asked for in parts. */
export const MAX_PROOF_LEAVES = 100_000;
const MAX_LEAF = Number.MAX_SAFE_INTEGER - 1;

export type ProofSelection =
  | { kind: 'window'; window: Pick<CalllogsQuery, 'beginTime' | 'endTime'>; fromTreeSize: number | undefined }
  | { kind: 'leaves'; first: number; last: number; fromTreeSize: number | undefined };

/**
 * The leaves of a proof's range, column by column (a week of a busy VDN is ~70,000 leaves: one
 * array per field parses and serialises many times faster than an object per leaf). Element `i` of
 * each is leaf `firstLeaf + i`.
 */
export interface ProofLeaves {
  /** The records' ids. */
  ids: string[];
  /** The records' receive times, epoch milliseconds. */
  operTimes: number[];
  /** The digests of the records' canonical text (32 bytes each), concatenated, in base64. */
  digests: string;
}

/**
 * The fields the calllogs answer leaves out but a digest covers, of the records a verifier holds
 * (the window's; for a leaf range, those received between its first and last leaf's times) that the
 * store still holds, so that exported records can be hashed again; element `i` of each is of record
 * `ids[i]`, in no particular order. `null` in `calllogs export --db`'s proof files: the records it
 * writes carry these fields.
 */
export interface ProofExtraFields {
  ids: string[];
  ak: (string | null)[];
  clientIp: (string | null)[];
  durationMs: (number | null)[];
}

/** The proof of a VDN's log: the latest signed checkpoint and the leaves of a range with what proves them. */
export interface LogProof {
  vdnId: number | null;
  /** The signed checkpoint (C2SP signed-note text) the proofs lead to; null while the log has none. */
  checkpoint: string | null;
  treeSize: number;
  /** The index of the range's first leaf; null when the selection holds no sealed record. */
  firstLeaf: number | null;
  /** Every leaf of the range, in order: none omitted. */
  leaves: ProofLeaves;
  extraFields: ProofExtraFields | null;
  /** Hashes (base64) of the subtrees left and right of the range, left to right (merkle.ts rangeProofSpans). */
  rangeProof: string[];
  /** With `fromTreeSize`: hashes (base64) proving the log at `treeSize` extends the one of `fromTreeSize`. */
  fromTreeSize: number | null;
  consistencyProof: string[];
}

export interface ProofResponseBody extends ErrorBody, LogProof {}

export function validateProofBody(body: unknown): ProofSelection {
  const fields = checkBodyShape(body);
  const byTime = !isEmpty(fields.beginTime) || !isEmpty(fields.endTime);
  const byLeaf = !isEmpty(fields.fromLeaf) || !isEmpty(fields.toLeaf);
  if (byTime && byLeaf) throw fieldError('WRONG_COMBINATION', 'fromLeaf', 'give a time window or a leaf range, not both');
  const fromTreeSize = isEmpty(fields.fromTreeSize) ? undefined : readInteger(fields, 'fromTreeSize', 1, MAX_LEAF + 1);
  if (!byLeaf) return { kind: 'window', window: readWallWindow(fields), fromTreeSize };
  const first = readInteger(fields, 'fromLeaf', 0, MAX_LEAF);
  const last = readInteger(fields, 'toLeaf', 0, MAX_LEAF);
  if (last < first) throw fieldError('WRONG_COMBINATION', 'toLeaf', 'must not be below fromLeaf');
  if (last - first >= MAX_PROOF_LEAVES) throw fieldError('WRONG_COMBINATION', 'toLeaf', `at most ${MAX_PROOF_LEAVES} leaves at a time`);
  return { kind: 'leaves', first, last, fromTreeSize };
}

export function proofResponseBody(proof: LogProof): ProofResponseBody {
  return { ...errorBody(SUCCESS_CODE, PROOF_SUCCESS_DESC), ...proof };
}
