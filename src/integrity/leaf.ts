import type { CallRecord } from '../contract/record.js';
import type { Hash, Hashing } from './merkle.js';

/** Names the encoding below; a future change of it gets a new name, never a new meaning. */
export const LEAF_ENCODING = 'calllogs-leaf-v1';

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
  return hashing.sha256(canonicalRecord(record));
}

/**
 * A leaf's hash, RFC 6962's SHA-256(0x00 || data), where the data is the record's receive time
 * (8 bytes, big-endian milliseconds) and its digest. The time is in the clear so that a proof can
 * show a leaf's time without its record.
 */
export function timedLeafHash(hashing: Hashing, operTime: number, digest: Hash): Hash {
  // A digest altered to another length (a tampered store) still hashes, to a leaf that will not match.
  const input = digest.length === 32 ? leafInput : new Uint8Array(9 + digest.length);
  const view = digest.length === 32 ? leafView : new DataView(input.buffer);
  // Epoch milliseconds are below 2^53: two 32-bit halves, no BigInt (this runs for every record).
  view.setUint32(1, Math.floor(operTime / 2 ** 32));
  view.setUint32(5, operTime >>> 0);
  input.set(digest, 9);
  return hashing.sha256(input);
}

/** timedLeafHash's input (leaf prefix 0x00, time, digest), filled anew for each hash (hashing is synchronous). */
const leafInput = new Uint8Array(41);
const leafView = new DataView(leafInput.buffer);
