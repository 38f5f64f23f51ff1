import { nodeHash, type Hash, type Hashing } from './merkle.js';

/**
 * Perfect spans of at least 2^8 leaves are stored when they complete (about one row per 128
 * leaves); a smaller span of a proof is computed from its at most 256 leaves.
 */
export const STORED_FROM_LEVEL = 8;

/** A log as far as it was sealed: its size and the hashes of its frontier (merkle.ts), left to right. */
export interface LogHeadState {
  size: number;
  frontier: Hash[];
}

export interface StoredNode {
  level: number;
  index: number;
  hash: Hash;
}

export const emptyHead = (): LogHeadState => ({ size: 0, frontier: [] });

/**
 * Appends one leaf to a log's head (in place): the leaf joins the frontier, and equal neighbours
 * merge into their parent, as RFC 6962's tree grows. Parents at STORED_FROM_LEVEL and above go to
 * `store`.
 */
export function appendLeaf(hashing: Hashing, head: LogHeadState, leaf: Hash, store?: (node: StoredNode) => void): void {
  head.frontier.push(leaf);
  head.size += 1;
  // The frontier's widths are the size's binary digits: the new leaf merges once per trailing zero.
  let width = 1;
  while (head.size % (width * 2) === 0 && head.frontier.length >= 2) {
    const right = head.frontier.pop()!;
    const left = head.frontier.pop()!;
    const parent = nodeHash(hashing, left, right);
    head.frontier.push(parent);
    width *= 2;
    const level = Math.log2(width);
    if (store && level >= STORED_FROM_LEVEL) store({ level, index: (head.size - width) / width, hash: parent });
  }
}

/** The frontier as one blob (32 bytes per hash), as the stores keep it. */
export function packFrontier(frontier: Hash[]): Uint8Array {
  const blob = new Uint8Array(frontier.length * 32);
  frontier.forEach((hash, i) => blob.set(hash, i * 32));
  return blob;
}

export function unpackFrontier(blob: Uint8Array): Hash[] {
  const hashes: Hash[] = [];
  for (let i = 0; i < blob.length; i += 32) hashes.push(blob.slice(i, i + 32));
  return hashes;
}
