import type { CallRecord } from '../contract/record.js';
import { leafHash, type Hash, type Hashing } from './merkle.js';

/** Names the encoding below; a future change of it gets a new name, never a new meaning. */
export const LEAF_ENCODING = 'calllogs-leaf-v1';

const utf8 = new TextEncoder();

/**
 * A record's canonical text: every stored field in a fixed order, as a JSON array (JSON.stringify
 * writes strings and numbers one way only). The VDN is `null` for a call that names none.
 */
export function canonicalRecord(record: CallRecord): string {
  return JSON.stringify([
    LEAF_ENCODING, record.id, record.operTime, record.vdnId, record.url, record.request, record.resultCode,
    record.resultDesc, record.httpStatus, record.type, record.ak, record.clientIp, record.durationMs,
  ]);
}

/** SHA-256 of a record's canonical text: what a proof shows of a record the verifier does not hold. */
export function recordDigest(hashing: Hashing, record: CallRecord): Hash {
  return hashing.sha256(utf8.encode(canonicalRecord(record)));
}

/**
 * What a leaf hashes: the record's receive time (8 bytes, big-endian milliseconds) and its digest.
 * The time is in the clear so that a proof can show a leaf's time without its record.
 */
export function leafData(operTime: number, digest: Hash): Uint8Array {
  const data = new Uint8Array(8 + digest.length);
  new DataView(data.buffer).setBigInt64(0, BigInt(operTime));
  data.set(digest, 8);
  return data;
}

export function recordLeafHash(hashing: Hashing, record: CallRecord): Hash {
  return leafHash(hashing, leafData(record.operTime, recordDigest(hashing, record)));
}
