import type { CallRecord } from '../contract/record.js';
import { recordDigest, timedLeafHash } from './leaf.js';
import { appendLeaf, type LogHeadState, type StoredNode } from './log-append.js';
import type { Hash, Hashing } from './merkle.js';

/**
 * A leaf as the stores keep it: which record, its time and digest (the leaf hash follows from them),
 * and the record's fields that a proof carries beside the calllogs answer.
 */
export interface LeafRow extends Pick<CallRecord, 'ak' | 'clientIp' | 'durationMs'> {
  /** The log: the record's VDN, 0 for calls naming none. */
  vdn: number;
  index: number;
  recordId: string;
  operTime: number;
  digest: Hash;
}

export interface NodeRow extends StoredNode {
  vdn: number;
}

/** The log a record belongs to, as the stores number them (0: the call named no VDN). */
export const logOf = (record: Pick<CallRecord, 'vdnId'>): number => record.vdnId ?? 0;

/** How many leaves `records` add to each log. */
export function leavesPerLog(records: Iterable<Pick<CallRecord, 'vdnId'>>): Map<number, number> {
  const counts = new Map<number, number>();
  for (const record of records) counts.set(logOf(record), (counts.get(logOf(record)) ?? 0) + 1);
  return counts;
}

/** A log as messages name it. */
export const logName = (vdn: number): string => (vdn === 0 ? 'the no-VDN log' : `VDN ${vdn}`);

/** A log's origin, as its checkpoints name it: the signing key's name and the VDN (`none`: no VDN). */
export const logOrigin = (keyName: string, vdn: number): string => `${keyName}/vdn/${vdn === 0 ? 'none' : vdn}`;

export function leafHashOf(hashing: Hashing, leaf: Pick<LeafRow, 'operTime' | 'digest'>): Hash {
  return timedLeafHash(hashing, leaf.operTime, leaf.digest);
}

/** The earliest and latest of some times (a loop: a spread of 100,000 arguments would overflow the stack). */
export function timeSpan(times: readonly number[]): [number, number] {
  let [earliest, latest] = [Infinity, -Infinity];
  for (const time of times) [earliest, latest] = [Math.min(earliest, time), Math.max(latest, time)];
  return [earliest, latest];
}

/** Digest `i` of digests packed 32 bytes each (a proof's, or a store's leaf columns). */
export const digestAt = (digests: Uint8Array, i: number): Hash => digests.subarray(32 * i, 32 * i + 32);

/** The leaf hashes of consecutive leaves given column by column. */
export function leafHashesOf(hashing: Hashing, leaves: { operTimes: readonly number[]; digests: Uint8Array }): Hash[] {
  return leaves.operTimes.map((operTime, i) => leafHashOf(hashing, { operTime, digest: digestAt(leaves.digests, i) }));
}

/**
 * Appends records, in the order given, to their VDNs' logs: each gets the next leaf index of its
 * log. `headOf` gives a log's head as sealed so far (and is updated in place); the rows to store
 * come back.
 */
export function sealRecords(hashing: Hashing, headOf: (vdn: number) => LogHeadState, records: Iterable<CallRecord>): { leaves: LeafRow[]; nodes: NodeRow[] } {
  const leaves: LeafRow[] = [];
  const nodes: NodeRow[] = [];
  for (const record of records) {
    const vdn = logOf(record);
    const head = headOf(vdn);
    const leaf: LeafRow = {
      vdn, index: head.size, recordId: record.id, operTime: record.operTime, digest: recordDigest(hashing, record),
      ak: record.ak, clientIp: record.clientIp, durationMs: record.durationMs,
    };
    leaves.push(leaf);
    appendLeaf(hashing, head, leafHashOf(hashing, leaf), (node) => nodes.push({ vdn, ...node }));
  }
  return { leaves, nodes };
}
