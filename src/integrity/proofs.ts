import { fieldError } from '../contract/codes.js';
import { MAX_PROOF_LEAVES, parseJson, type JsonColumns, type LogProofJson, type ProofExtraFields } from '../contract/proof.js';
import type { IntegrityRepository, LeafColumns } from '../store/types.js';
import { toBase64, toBase64Json } from './encoding.js';
import { STORED_FROM_LEVEL } from './log-append.js';
import { consistencyProofSpans, levelIndexOf, rangeProofSpans, spanHashFromLeaves, type Hash, type Span } from './merkle.js';
import { nodeHashing } from './node-crypto.js';
import { leafHashesOf } from './seal.js';

export type LeafSelection = { window: { fromMs: number; toMs: number } } | { first: number; last: number };

/** Hashes of perfect spans of a log: stored ones read, smaller ones computed from their leaves. */
async function spanHashes(logs: IntegrityRepository, vdn: number, spans: Span[]): Promise<Hash[]> {
  const isStored = (span: Span) => levelIndexOf(span).level >= STORED_FROM_LEVEL;
  const read = await logs.nodeHashes(vdn, spans.filter(isStored).map(levelIndexOf));
  const storedAt = new Map(spans.filter(isStored).map((span, i) => [span, read[i]!]));
  return Promise.all(spans.map(async (span) => {
    const known = storedAt.get(span);
    if (known) return known;
    const leaves = await logs.leafColumns(vdn, span.start, span.end);
    return spanHashFromLeaves(nodeHashing, span, leafHashesOf(nodeHashing, { operTimes: parseJson(leaves.operTimes) as number[], digests: leaves.digests }), span.start);
  }));
}

const NO_LEAVES: LeafColumns = { ids: '[]', operTimes: '[]', digests: new Uint8Array() };
const NO_EXTRA_FIELDS: JsonColumns<ProofExtraFields> = { ids: '[]', ak: '[]', clientIp: '[]', durationMs: '[]' };

/**
 * The proof of a VDN's log for a time window or a leaf range, against its latest signed checkpoint:
 * every leaf from the first to the last the selection holds, the range proof of those leaves, the
 * extra fields of those leaves' records as sealed (left out with `extraFields: false`) and with
 * `fromTreeSize` the consistency proof from that size. A log without a checkpoint yet has nothing to prove (`checkpoint: null`).
 */
export async function buildProof(
  logs: IntegrityRepository,
  vdn: number,
  selection: LeafSelection,
  options: { fromTreeSize?: number; maxLeaves?: number; extraFields?: boolean } = {},
): Promise<LogProofJson> {
  const { fromTreeSize, maxLeaves = MAX_PROOF_LEAVES, extraFields = true } = options;
  const head = await logs.head(vdn);
  const vdnId = vdn === 0 ? null : vdn;
  const size = head?.checkpointSize ?? 0;
  if (!head?.checkpoint || size === 0) {
    return {
      vdnId, checkpoint: null, treeSize: 0, firstLeaf: null, leaves: { ...NO_LEAVES, digests: '""' },
      extraFields: extraFields ? NO_EXTRA_FIELDS : null, rangeProof: [], fromTreeSize: null, consistencyProof: [],
    };
  }
  if (fromTreeSize !== undefined && fromTreeSize > size) {
    throw fieldError('WRONG_VALUE', 'fromTreeSize', `must be at most the latest checkpoint's tree size, ${size}`);
  }
  let range: { first: number; last: number } | undefined;
  if ('window' in selection) {
    range = await logs.leafRange(vdn, selection.window.fromMs, selection.window.toMs - 1, size);
    if (range && range.last - range.first >= maxLeaves) {
      throw fieldError('WRONG_COMBINATION', 'endTime', `the window's records span ${range.last - range.first + 1} leaves, at most ${maxLeaves} at a time: ask for a shorter window or by leaf range`);
    }
  } else {
    if (selection.last >= size) throw fieldError('WRONG_VALUE', 'toLeaf', `must be below the latest checkpoint's tree size, ${size}`);
    range = selection;
  }
  const leavesRead: Promise<{ leaves: LeafColumns; extraFields: JsonColumns<ProofExtraFields> | null }> = !range
    ? Promise.resolve({ leaves: NO_LEAVES, extraFields: extraFields ? NO_EXTRA_FIELDS : null })
    : extraFields ? logs.proofLeaves(vdn, range.first, range.last + 1) : logs.leafColumns(vdn, range.first, range.last + 1).then((leaves) => ({ leaves, extraFields: null }));
  const rangeSpans = range ? rangeProofSpans(size, { start: range.first, end: range.last + 1 }) : [];
  const consistencySpans = fromTreeSize !== undefined ? consistencyProofSpans(fromTreeSize, size) : [];
  const [{ leaves, extraFields: extras }, rangeProof, consistencyProof] = await Promise.all([
    leavesRead, spanHashes(logs, vdn, rangeSpans), spanHashes(logs, vdn, consistencySpans),
  ]);
  return {
    vdnId,
    checkpoint: head.checkpoint,
    treeSize: size,
    firstLeaf: range?.first ?? null,
    leaves: { ids: leaves.ids, operTimes: leaves.operTimes, digests: toBase64Json(leaves.digests) },
    extraFields: extras,
    rangeProof: rangeProof.map(toBase64),
    fromTreeSize: fromTreeSize ?? null,
    consistencyProof: consistencyProof.map(toBase64),
  };
}
