/**
 * RFC 6962 / RFC 9162 Merkle tree hashing and the proofs of calllogs' logs. Free of Node.js APIs:
 * the SHA-256 comes in (`Hashing`), so the server, the SDK and the browser share this code.
 *
 * A tree of `size` leaves is split as RFC 6962's MTH splits it: the left part is the largest power
 * of two below the size. Every node of that split is a span [l, r) of leaves; the left child of a
 * split is always perfect (r - l a power of two) and aligned (l a multiple of r - l), so a
 * perfect span is stored once, when its last leaf arrives, and found by (level, index).
 */

export type Hash = Uint8Array;

/** A span of leaves [start, end). */
export interface Span {
  start: number;
  end: number;
}

export interface Hashing {
  /** SHA-256 of the bytes (a string: of its UTF-8). */
  sha256(data: Uint8Array | string): Hash;
}

const LEAF_PREFIX = 0x00;
const NODE_PREFIX = 0x01;

export function leafHash(hashing: Hashing, data: Uint8Array): Hash {
  const input = new Uint8Array(data.length + 1);
  input[0] = LEAF_PREFIX;
  input.set(data, 1);
  return hashing.sha256(input);
}

/** nodeHash's input, filled anew for each hash (hashing is synchronous): trees need millions. */
const nodeInput = new Uint8Array(65);

export function nodeHash(hashing: Hashing, left: Hash, right: Hash): Hash {
  nodeInput[0] = NODE_PREFIX;
  nodeInput.set(left, 1);
  nodeInput.set(right, 33);
  return hashing.sha256(nodeInput);
}

/** The largest power of two strictly below n (n >= 2). */
function splitOf(n: number): number {
  let k = 1;
  while (k * 2 < n) k *= 2;
  return k;
}

export function isPerfect(span: Span): boolean {
  const width = span.end - span.start;
  return width > 0 && (width & (width - 1)) === 0 && span.start % width === 0;
}

/** Where a perfect span is stored: level 0 holds the leaves, level L the spans of 2^L leaves. */
export function levelIndexOf(span: Span): { level: number; index: number } {
  const level = Math.log2(span.end - span.start);
  return { level, index: span.start / (span.end - span.start) };
}

/** The perfect spans that make up a tree of `size` leaves, left to right (its "frontier"). */
export function frontier(size: number): Span[] {
  const spans: Span[] = [];
  let start = 0;
  for (let width = 2 ** Math.floor(Math.log2(Math.max(size, 1))); width >= 1; width /= 2) {
    if (start + width <= size) {
      spans.push({ start, end: start + width });
      start += width;
    }
  }
  return spans;
}

/** The root of a tree from its frontier's hashes (left to right), as MTH folds them. */
export function rootFromFrontier(hashing: Hashing, hashes: Hash[]): Hash {
  if (hashes.length === 0) return hashing.sha256(new Uint8Array(0));
  let root = hashes[hashes.length - 1]!;
  for (let i = hashes.length - 2; i >= 0; i--) root = nodeHash(hashing, hashes[i]!, root);
  return root;
}

/**
 * The perfect spans outside [start, end) whose hashes, with the range's own leaves, give the root
 * of a tree of `size` leaves: the range proof, left to right (one leaf: the inclusion proof).
 */
export function rangeProofSpans(size: number, range: Span): Span[] {
  checkRange(size, range);
  const spans: Span[] = [];
  const visit = (span: Span): void => {
    if (span.end <= range.start || span.start >= range.end) {
      if (isPerfect(span)) return void spans.push(span);
    } else if (span.start >= range.start && span.end <= range.end) {
      return;
    }
    const k = splitOf(span.end - span.start);
    visit({ start: span.start, end: span.start + k });
    visit({ start: span.start + k, end: span.end });
  };
  if (size > 0) visit({ start: 0, end: size });
  return spans;
}

/**
 * The root of a tree of `size` leaves from a range proof: `inside` gives the hash of a span within
 * the range, `proof` the hashes of `rangeProofSpans(size, range)` in order. Throws when the proof
 * has too few or too many hashes.
 */
export function rootFromRangeProof(
  hashing: Hashing,
  size: number,
  range: Span,
  inside: (span: Span) => Hash,
  proof: readonly Hash[],
): Hash {
  checkRange(size, range);
  let used = 0;
  const fold = (span: Span): Hash => {
    if (span.end <= range.start || span.start >= range.end) {
      if (isPerfect(span)) {
        const hash = proof[used++];
        if (!hash) throw new Error('proof: too few hashes');
        return hash;
      }
    } else if (span.start >= range.start && span.end <= range.end) {
      return inside(span);
    }
    const k = splitOf(span.end - span.start);
    return nodeHash(hashing, fold({ start: span.start, end: span.start + k }), fold({ start: span.start + k, end: span.end }));
  };
  const root = fold({ start: 0, end: size });
  if (used !== proof.length) throw new Error('proof: too many hashes');
  return root;
}

/** The hash of a span from leaf hashes (`leaves[0]` is leaf `offset`, by default leaf 0). */
export function spanHashFromLeaves(hashing: Hashing, span: Span, leaves: readonly Hash[], offset = 0): Hash {
  if (span.end - span.start === 1) {
    const leaf = leaves[span.start - offset];
    if (!leaf) throw new Error(`leaf ${span.start}: missing`);
    return leaf;
  }
  const k = splitOf(span.end - span.start);
  return nodeHash(
    hashing,
    spanHashFromLeaves(hashing, { start: span.start, end: span.start + k }, leaves, offset),
    spanHashFromLeaves(hashing, { start: span.start + k, end: span.end }, leaves, offset),
  );
}

/**
 * A consistency proof from a tree of `oldSize` leaves to one of `newSize`: the old tree's frontier,
 * then the range proof of [0, oldSize) in the new tree. Whoever holds the old root checks the
 * frontier against it and the whole against the new root: the new tree then begins with the old.
 */
export function consistencyProofSpans(oldSize: number, newSize: number): Span[] {
  if (oldSize > newSize) throw new Error(`proof: tree size ${oldSize} is larger than ${newSize}`);
  return [...frontier(oldSize), ...rangeProofSpans(newSize, { start: 0, end: oldSize })];
}

/** Whether `proof` (consistencyProofSpans' hashes) shows that the new tree extends the old one. */
export function verifyConsistency(hashing: Hashing, oldSize: number, oldRoot: Hash, newSize: number, newRoot: Hash, proof: readonly Hash[]): boolean {
  if (oldSize > newSize) return false;
  if (oldSize === 0) return proof.length === 0;
  const spans = frontier(oldSize);
  const oldHashes = proof.slice(0, spans.length);
  if (oldHashes.length !== spans.length || !equalHashes(rootFromFrontier(hashing, oldHashes), oldRoot)) return false;
  const known = new Map(spans.map((span, i) => [`${span.start}-${span.end}`, oldHashes[i]!]));
  // A span of the old tree is one of its frontier's, or splits into them as MTH splits it.
  const oldSpan = (span: Span): Hash => {
    const hash = known.get(`${span.start}-${span.end}`);
    if (hash) return hash;
    if (span.end - span.start === 1) throw new Error('proof: the old tree is not a prefix of the new one');
    const k = splitOf(span.end - span.start);
    return nodeHash(hashing, oldSpan({ start: span.start, end: span.start + k }), oldSpan({ start: span.start + k, end: span.end }));
  };
  try {
    const root = rootFromRangeProof(hashing, newSize, { start: 0, end: oldSize }, oldSpan, proof.slice(spans.length));
    return equalHashes(root, newRoot);
  } catch {
    return false;
  }
}

export function equalHashes(a: Hash, b: Hash): boolean {
  if (a.length !== b.length) return false;
  let diff = 0;
  for (let i = 0; i < a.length; i++) diff |= a[i]! ^ b[i]!;
  return diff === 0;
}

function checkRange(size: number, range: Span): void {
  if (!(Number.isSafeInteger(size) && Number.isSafeInteger(range.start) && Number.isSafeInteger(range.end)
    && range.start >= 0 && range.start <= range.end && range.end <= size)) {
    throw new Error(`proof: leaves [${range.start}, ${range.end}) are not within a tree of ${size}`);
  }
}
