import type { LogProof, ProofExtraFields } from '../contract/proof.js';
import type { CallRecord } from '../contract/record.js';
import { verifyCheckpoint, type NoteKey, type VerifySignature } from './checkpoint.js';
import { fromBase64 } from './encoding.js';
import { recordDigest } from './leaf.js';
import { equalHashes, rootFromRangeProof, spanHashFromLeaves, verifyConsistency, type Hash, type Hashing } from './merkle.js';
import { IntegrityError } from './integrity-error.js';
import { digestAt, leafHashesOf, logName, logOf, logOrigin } from './seal.js';

/**
 * A record as a verifier holds it: the calllogs answer's fields and its VDN; the access key, client
 * address and duration when the export carried them (else the proof's leaf supplies them).
 */
export type ProvableRecord = Omit<CallRecord, 'ak' | 'clientIp' | 'durationMs'> & Partial<Pick<CallRecord, 'ak' | 'clientIp' | 'durationMs'>>;

/** A record its holder hashed already (`calllogs verify` does so on worker threads): its digest, of every stored field. */
export interface DigestedRecord extends Pick<CallRecord, 'id' | 'operTime' | 'vdnId'> {
  digest: Hash;
}

export type HeldRecord = ProvableRecord | DigestedRecord;

const isDigested = (record: HeldRecord): record is DigestedRecord => 'digest' in record;

const EXTRA_FIELDS = ['ak', 'clientIp', 'durationMs'] as const;

type ExtraFields = Pick<CallRecord, typeof EXTRA_FIELDS[number]>;

/** The proof's extra fields of the leaves with an id: one entry, or one per copy where an id is stored twice. */
type ExtraFieldsOf = (id: string) => readonly ExtraFields[];

/**
 * The proof's extra fields of a record by its id, once their columns are checked, and no id listed
 * more often than the leaves name it (a record lacking them tries each entry of its id: a proof
 * listing one id a million times would otherwise make a verifier hash without end).
 */
function extraFieldsOf(fields: ProofExtraFields | null, leafIds: readonly string[]): ExtraFieldsOf {
  if (fields === null) return () => [];
  const { ids, ak, clientIp, durationMs } = fields;
  const columns = [ids, ak, clientIp, durationMs];
  const nullable = (type: string) => (value: unknown) => value === null || typeof value === type;
  const wellFormed = columns.every((column) => Array.isArray(column) && column.length === ids.length)
    && ids.every((id) => typeof id === 'string') && ak.every(nullable('string')) && clientIp.every(nullable('string')) && durationMs.every(nullable('number'));
  if (!wellFormed) throw new IntegrityError('proof: its extra fields are not four columns of one length (ids, ak, clientIp, durationMs)');
  const at = new Map<string, ExtraFields[]>();
  const repeated = new Set<string>();
  ids.forEach((id, i) => {
    const entry = { ak: ak[i]!, clientIp: clientIp[i]!, durationMs: durationMs[i]! };
    const same = at.get(id);
    if (same) {
      same.push(entry);
      repeated.add(id);
    } else at.set(id, [entry]);
  });
  if (repeated.size > 0) {
    const leafCount = new Map<string, number>();
    for (const id of leafIds) if (repeated.has(id)) leafCount.set(id, (leafCount.get(id) ?? 0) + 1);
    for (const id of repeated) {
      if (at.get(id)!.length > (leafCount.get(id) ?? 0)) throw new IntegrityError(`proof: its extra fields list record ${id} more often than its leaves do`);
    }
  }
  return (id) => at.get(id) ?? [];
}

/**
 * The whole records its digest may cover: itself when it carries its extra fields, else one for
 * each of the proof's entries of its id (its leaf's digest then tells which one is its own).
 */
function completions(record: ProvableRecord, extras: readonly ExtraFields[], where: string): CallRecord[] {
  if (EXTRA_FIELDS.every((field) => record[field] !== undefined)) return [record as CallRecord];
  if (extras.length === 0) {
    throw new IntegrityError(`${where}: neither the records nor the proof carry its access key, address and duration, which its digest covers`);
  }
  return extras.map((extra) => {
    const whole = { ...record } as Record<string, unknown>;
    for (const field of EXTRA_FIELDS) if (whole[field] === undefined) whole[field] = extra[field];
    return whole as unknown as CallRecord;
  });
}

/** The proof's leaves, their columns checked: ids, receive times and the digests (32 bytes each). */
function leavesOf(proof: LogProof): { ids: string[]; operTimes: number[]; digests: Uint8Array } {
  const { ids, operTimes, digests } = proof.leaves ?? {};
  const wellFormed = Array.isArray(ids) && Array.isArray(operTimes) && ids.length === operTimes.length
    && ids.every((id) => typeof id === 'string') && operTimes.every((time) => Number.isSafeInteger(time) && time >= 0);
  if (!wellFormed) throw new IntegrityError('proof: its leaves are not columns of one length (ids, and receive times in epoch milliseconds)');
  const bytes = typeof digests === 'string' ? fromBase64(digests) : undefined;
  if (!bytes || bytes.length !== 32 * ids.length) throw new IntegrityError(`proof: its leaves' digests are not ${ids.length} SHA-256 hashes in base64`);
  return { ids, operTimes, digests: bytes };
}

export interface ProofVerification {
  /** Records checked against their leaves. */
  records: number;
  /** The leaf range proven complete (inclusive), null when there was nothing to prove. */
  firstLeaf: number | null;
  lastLeaf: number | null;
  treeSize: number;
}

/** What checks a proof: the hashing and signature check to use, and the pinned verifier key (calllogs log-key). */
export interface ProofKey {
  hashing: Hashing;
  verifySignature: VerifySignature;
  key: NoteKey;
  /** A checkpoint saved earlier: the proof's must extend it (needs the proof's consistency part). */
  since?: { size: number; root: Hash };
}

export interface ProofCheck extends ProofKey {
  /** The window the records were exported for: a leaf of the range received in it must be among them. */
  window?: { fromMs: number; toMs: number };
}

/** A proof's range of leaves, proven to be exactly that range of the signed log (verifyProofRange). */
export interface ProvenRange {
  /** The log: a VDN, 0 for calls naming none. */
  vdn: number;
  /** False when the log had no signed checkpoint yet: nothing is proven. */
  checkpointed: boolean;
  treeSize: number;
  firstLeaf: number;
  ids: string[];
  operTimes: number[];
  digests: Uint8Array;
  extraFields: ExtraFieldsOf;
}

function hash(text: string, what: string): Hash {
  const bytes = fromBase64(text);
  if (!bytes || bytes.length !== 32) throw new IntegrityError(`proof: ${what} is not a base64 SHA-256 hash`);
  return bytes;
}

/**
 * The proof alone, before any record is looked at: its checkpoint is signed by the pinned key and
 * names the proof's log; its leaves and range proof hash to the checkpoint's root (so no leaf of
 * the range was left out or added); and, with `since`, the log extends the checkpoint saved
 * earlier. `calllogs verify` runs it while other threads hash the records.
 */
export async function verifyProofRange(proof: LogProof, check: ProofKey): Promise<ProvenRange> {
  const { hashing, key } = check;
  const vdn = proof.vdnId ?? 0;
  const name = logName(vdn);
  const leaves = leavesOf(proof);
  const extraFields = extraFieldsOf(proof.extraFields ?? null, leaves.ids);
  const first = proof.firstLeaf ?? 0;
  const count = leaves.ids.length;
  const proven: ProvenRange = { vdn, checkpointed: proof.checkpoint !== null, treeSize: proof.treeSize, firstLeaf: first, ...leaves, extraFields };
  if (proof.checkpoint === null) {
    if (count > 0) throw new IntegrityError(`${name}: the proof lists leaves but no checkpoint`);
    return proven;
  }
  let checkpoint;
  try {
    checkpoint = await verifyCheckpoint(proof.checkpoint, key, check.verifySignature);
  } catch (error) {
    throw new IntegrityError(`${name}: ${(error as Error).message}`, { cause: error });
  }
  if (checkpoint.origin !== logOrigin(key.name, vdn)) throw new IntegrityError(`${name}: the checkpoint is for another log (${checkpoint.origin})`);
  if (checkpoint.size !== proof.treeSize) throw new IntegrityError(`${name}: the proof's tree size is not its checkpoint's`);
  if (count > 0) {
    const range = { start: first, end: first + count };
    const leafHashes = leafHashesOf(hashing, leaves);
    let root: Hash;
    try {
      root = rootFromRangeProof(hashing, proof.treeSize, range, (span) => spanHashFromLeaves(hashing, span, leafHashes, first),
        proof.rangeProof.map((h, i) => hash(h, `range proof hash ${i}`)));
    } catch {
      throw new IntegrityError(`${name}: leaves ${range.start}..${range.end - 1} and the proof do not make a tree of ${proof.treeSize} leaves: a leaf was left out or added, or the proof altered`);
    }
    if (!equalHashes(root, checkpoint.root)) {
      throw new IntegrityError(`${name}: leaves ${range.start}..${range.end - 1} do not hash to the signed checkpoint's root: a leaf was left out, added or altered`);
    }
  }
  if (check.since) {
    const consistency = proof.consistencyProof.map((h, i) => hash(h, `consistency proof hash ${i}`));
    if (proof.fromTreeSize !== check.since.size || !verifyConsistency(hashing, check.since.size, check.since.root, proof.treeSize, checkpoint.root, consistency)) {
      throw new IntegrityError(`${name}: the log at size ${proof.treeSize} does not extend the checkpoint saved earlier (size ${check.since.size}): its history was rewritten or truncated`);
    }
  }
  return proven;
}

/** What tells records and leaves apart: the id with the receive time, as PostgreSQL may store one id twice, at two times. */
const recordKey = (id: string, operTime: number): string => `${operTime} ${id}`;

/**
 * When the records are exactly the range's leaves in leaf order, forwards or backwards (as exports
 * list them), each leaf's record by its position: matching a million records then needs no map of
 * their ids (a fifth of `calllogs verify`'s time). Otherwise undefined.
 */
function recordAtLeaf(records: readonly HeldRecord[], { ids, operTimes }: Pick<ProvenRange, 'ids' | 'operTimes'>): ((i: number) => HeldRecord) | undefined {
  const last = ids.length - 1;
  const isLeaf = (record: HeldRecord, i: number) => record.id === ids[i] && record.operTime === operTimes[i];
  if (records.length !== ids.length) return undefined;
  if (records.every((record, i) => isLeaf(record, i))) return (i) => records[i]!;
  if (records.every((record, i) => isLeaf(record, last - i))) return (i) => records[last - i]!;
  return undefined;
}

/**
 * Records of one VDN against a proven range of its log: every record is one of the range's leaves,
 * once, and unchanged (its digest and receive time are the leaf's), and no leaf of the range
 * received in the window is missing from the records.
 */
export function verifyRecordsInRange(records: readonly HeldRecord[], proven: ProvenRange, check: Pick<ProofCheck, 'hashing' | 'window'>): ProofVerification {
  const name = logName(proven.vdn);
  const wrongVdn = records.find((record) => logOf(record) !== proven.vdn);
  if (wrongVdn) throw new IntegrityError(`record ${wrongVdn.id} is of ${logName(logOf(wrongVdn))}, not of ${name} that the proof is for`);
  if (!proven.checkpointed) {
    if (records.length > 0) throw new IntegrityError(`${name}: no signed checkpoint covers these records yet (records are sealed within seconds: ask again)`);
    return { records: 0, firstLeaf: null, lastLeaf: null, treeSize: 0 };
  }
  const { firstLeaf: first, ids, operTimes, digests } = proven;
  const checkLeaf = (record: HeldRecord, i: number): void => {
    const where = `record ${record.id} (leaf ${first + i} of ${name})`;
    const leafDigest = digestAt(digests, i);
    const matches = isDigested(record)
      ? equalHashes(record.digest, leafDigest)
      : completions(record, proven.extraFields(record.id), where).some((whole) => equalHashes(recordDigest(check.hashing, whole), leafDigest));
    if (record.operTime !== operTimes[i] || !matches) throw new IntegrityError(`${where} was changed: it does not match its leaf`);
  };
  const atLeaf = recordAtLeaf(records, proven);
  if (atLeaf) {
    for (let i = 0; i < ids.length; i++) checkLeaf(atLeaf(i), i);
  } else {
    const held = new Map<string, HeldRecord>();
    for (const record of records) {
      const key = recordKey(record.id, record.operTime);
      if (held.has(key)) throw new IntegrityError(`record ${record.id} appears more than once in the records`);
      held.set(key, record);
    }
    const unmatched: number[] = [];
    for (let i = 0; i < ids.length; i++) {
      const key = recordKey(ids[i]!, operTimes[i]!);
      const record = held.get(key);
      if (!record) unmatched.push(i);
      else {
        held.delete(key);
        checkLeaf(record, i);
      }
    }
    // A record left over with the id of a leaf left over had its receive time changed: checked against that leaf, it fails.
    const leftOver = new Map<string, HeldRecord>();
    for (const record of held.values()) if (!leftOver.has(record.id)) leftOver.set(record.id, record);
    for (const i of unmatched) {
      const record = leftOver.get(ids[i]!);
      const operTime = operTimes[i]!;
      if (record) checkLeaf(record, i);
      else if (check.window && operTime >= check.window.fromMs && operTime < check.window.toMs) {
        throw new IntegrityError(`record ${ids[i]} (leaf ${first + i} of ${name}), received ${new Date(operTime).toISOString()}, is missing from the records`);
      }
    }
    const stray = held.values().next();
    if (!stray.done) {
      const range = ids.length > 0 ? `leaves ${first}..${first + ids.length - 1}` : 'any leaf';
      throw new IntegrityError(`record ${stray.value.id} is not among ${range} of ${name}'s log: it was never sealed there (invented or moved from another VDN; or written after the checkpoint: export again later)`);
    }
  }
  return {
    records: records.length,
    firstLeaf: ids.length > 0 ? first : null,
    lastLeaf: ids.length > 0 ? first + ids.length - 1 : null,
    treeSize: proven.treeSize,
  };
}

/**
 * Checks records of one VDN against a proof of its log, offline (SDK, browser, `calllogs verify`):
 * the proof first (verifyProofRange: the checkpoint's signature and log, the range's leaves against
 * its root, `since`), then the records (verifyRecordsInRange: each one a leaf, unchanged; none of
 * the window missing). Throws an IntegrityError naming the first thing wrong.
 */
export async function verifyLogProof(records: readonly HeldRecord[], proof: LogProof, check: ProofCheck): Promise<ProofVerification> {
  return verifyRecordsInRange(records, await verifyProofRange(proof, check), check);
}
