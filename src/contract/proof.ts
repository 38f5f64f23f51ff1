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

/** Each column of `T` as the JSON text of its array. */
export type JsonColumns<T> = { [K in keyof T]: JsonText };

/** JSON text: a string, or its UTF-8 bytes as a database gave them (spliced into an answer without being decoded). */
export type JsonText = string | Uint8Array;

const utf8Decoder = new TextDecoder();

/** JSON text as a string, to parse it. */
export const textOf = (json: JsonText): string => (typeof json === 'string' ? json : utf8Decoder.decode(json));

/** Parses JSON text, a string or UTF-8 bytes. */
export const parseJson = (json: JsonText): unknown => JSON.parse(textOf(json));

/**
 * A proof as the server builds it: its long columns are JSON text as the database aggregated them,
 * written into the answer (or a proof file) without being parsed and serialised again — for a week
 * of a busy VDN that was two thirds of the call's time.
 */
export interface LogProofJson extends Omit<LogProof, 'leaves' | 'extraFields'> {
  leaves: JsonColumns<ProofLeaves>;
  extraFields: JsonColumns<ProofExtraFields> | null;
}

const utf8 = new TextEncoder();

/** Parts up to this long are given room for their worst case, 3 bytes a UTF-16 unit. */
const ROOM_FOR_ANY_TEXT = 4096;

/**
 * Text parts as one UTF-8 byte array: parts given as bytes copied, the others each encoded on its
 * own (one string concatenated from a database's megabytes is flattened before it is encoded, which
 * took 4x as long) straight into the array, sized for short parts at their longest and long ones as
 * ASCII, and grown when one is not. (Sized for ASCII throughout, the em dash of every checkpoint note
 * made the array grow, copying the megabytes before the last part: 12 ms of a week's proof instead of 4.)
 */
export function utf8Of(parts: readonly JsonText[]): Uint8Array {
  let bytes = new Uint8Array(parts.reduce((length, part) => length + (typeof part !== 'string' || part.length > ROOM_FOR_ANY_TEXT ? part.length : 3 * part.length), 0));
  let offset = 0;
  const room = (needed: number) => {
    const grown = new Uint8Array(2 * bytes.length + needed);
    grown.set(bytes.subarray(0, offset));
    bytes = grown;
  };
  for (const part of parts) {
    if (typeof part !== 'string') {
      if (offset + part.length > bytes.length) room(part.length);
      bytes.set(part, offset);
      offset += part.length;
      continue;
    }
    for (let rest = part; ;) {
      const { read, written } = utf8.encodeInto(rest, bytes.subarray(offset));
      offset += written;
      if (read === rest.length) break;
      rest = rest.slice(read);
      room(3 * rest.length);
    }
  }
  return bytes.subarray(0, offset);
}

/**
 * JSON text, in parts, of an object: the members of `plain`, serialised, then those of `raw`, whose
 * values are JSON text already, in parts, spliced in as they are.
 */
export function objectJsonParts(plain: object, raw: Record<string, readonly JsonText[]>): JsonText[] {
  const members = JSON.stringify(plain).slice(1, -1);
  const parts: JsonText[] = [`{${members}`];
  let first = members === '';
  for (const [name, value] of Object.entries(raw)) {
    parts.push(`${first ? '' : ','}${JSON.stringify(name)}:`, ...value);
    first = false;
  }
  parts.push('}');
  return parts;
}

/** JSON text, in parts, of an array whose items are JSON text already, in parts. */
export function arrayJsonParts(items: readonly (readonly JsonText[])[]): JsonText[] {
  return ['[', ...items.flatMap((item, i) => (i ? [',', ...item] : item)), ']'];
}

/** JSON whitespace, as bytes. */
const JSON_SPACE = new Set([0x20, 0x09, 0x0a, 0x0d]);

/**
 * One JSON array's text holding the elements of several, in order (each given as JSON array text):
 * a string when all are strings, else UTF-8 bytes (the strings among them encoded).
 */
export function concatJsonArrays(arrays: readonly JsonText[]): JsonText {
  if (arrays.every((array): array is string => typeof array === 'string')) {
    const elements = arrays.map((array) => array.slice(1, -1)).filter((inner) => inner.trim() !== '');
    return `[${elements.join(',')}]`;
  }
  const elements = arrays
    .map((array) => (typeof array === 'string' ? utf8.encode(array) : array).subarray(1, -1))
    .filter((inner) => inner.some((byte) => !JSON_SPACE.has(byte)));
  // The brackets, the elements and a comma between each two.
  const joined = new Uint8Array(2 + elements.reduce((length, inner) => length + inner.length, 0) + Math.max(elements.length - 1, 0));
  joined[0] = 0x5b; // [
  let offset = 1;
  elements.forEach((inner, i) => {
    if (i > 0) joined[offset++] = 0x2c; // ,
    joined.set(inner, offset);
    offset += inner.length;
  });
  joined[offset] = 0x5d; // ]
  return joined;
}

const columnsJsonParts = (columns: Record<string, JsonText>): JsonText[] =>
  objectJsonParts({}, Object.fromEntries(Object.entries(columns).map(([name, json]) => [name, [json]])));

/** The JSON text, in parts, of a proof after the members of `head`: it reads back as `head` and a LogProof. */
function proofJsonParts(head: object, proof: LogProofJson): JsonText[] {
  const { leaves, extraFields, ...rest } = proof;
  return objectJsonParts({ ...head, ...rest }, { leaves: columnsJsonParts(leaves), extraFields: extraFields ? columnsJsonParts(extraFields) : ['null'] });
}

/** The JSON text of a proof, in parts: it reads back as a LogProof. */
export const logProofJsonParts = (proof: LogProofJson): JsonText[] => proofJsonParts({}, proof);

/** The proof interface's answer (a ProofResponseBody) as JSON in UTF-8. */
export const proofResponseBytes = (proof: LogProofJson): Uint8Array => utf8Of(proofJsonParts(errorBody(SUCCESS_CODE, PROOF_SUCCESS_DESC), proof));

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

