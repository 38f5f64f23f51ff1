import { CODES } from '../contract/codes.js';
import type { LogProof } from '../contract/proof.js';
import { proofWindows } from '../contract/query.js';
import type { OpenapiLog } from '../contract/record.js';
import { epochMsToWallTime, formatWallTime, parseInstant } from '../contract/time.js';
import { parseVerifierKey, verifyCheckpoint } from '../integrity/checkpoint.js';
import { IntegrityError } from '../integrity/integrity-error.js';
import { nodeHashing, verifyEd25519 } from '../integrity/node-crypto.js';
import { logName, logOrigin } from '../integrity/seal.js';
import { verifyLogProof, type ProofVerification, type ProvableRecord } from '../integrity/verify-proof.js';
import { CalllogsApiError } from './errors.js';

/** What a proof is read through: the client's proof call. */
export interface ProofSource {
  proof(params: { vdnId: number; beginTime: string; endTime: string; fromTreeSize?: number }, signal?: AbortSignal): Promise<LogProof>;
}

/**
 * The proof of a VDN's log for `[fromMs, toMs)` (whole seconds, at most 7 days; asked for in the
 * server's zone), from a checkpoint held already when `fromTreeSize` is given. The server refuses
 * a size beyond its log's: that is named as the truncation it is.
 */
export function windowProof(
  source: ProofSource,
  { vdnId, window, timeZone, fromTreeSize, signal }: { vdnId: number; window: { fromMs: number; toMs: number }; timeZone: string; fromTreeSize?: number; signal?: AbortSignal },
): Promise<LogProof> {
  const wall = (ms: number) => formatWallTime(epochMsToWallTime(ms, timeZone));
  const params = { vdnId, beginTime: wall(window.fromMs), endTime: wall(window.toMs - 1000), ...(fromTreeSize === undefined ? {} : { fromTreeSize }) };
  return source.proof(params, signal).catch((error: unknown) => {
    const beyondTheLog = error instanceof CalllogsApiError && error.resultCode === CODES.WRONG_VALUE.code
      && /^fromTreeSize: must be at most the latest checkpoint's tree size/.test(error.resultDesc);
    if (beyondTheLog) {
      throw new IntegrityError(`${logName(vdnId)}: the log is smaller than the checkpoint saved earlier (size ${fromTreeSize}): its history was rewritten or truncated`, { cause: error });
    }
    throw error;
  });
}

export interface WindowVerificationParams {
  vdnId: number;
  /** First instant of the range (its whole second is included). */
  from: Date;
  /** Last instant of the range (its whole second is included). */
  to: Date;
  signal?: AbortSignal;
}

export interface WindowVerificationOptions {
  /** The verifier key to pin: what `calllogs log-key` prints where the service runs. */
  publicKey: string;
  /**
   * A checkpoint of this VDN's log saved earlier (one signed note, as `GET /checkpoints/latest`
   * lists them): the log must extend it, so history rewritten or cut short since is detected.
   */
  since?: string;
}

/** What `verifyWindow` reads through: the client's records and proofs. */
export interface WindowSource extends ProofSource {
  records(params: WindowVerificationParams): AsyncIterable<OpenapiLog>;
}

/**
 * Every record of a VDN's range, checked against its signed log as `calllogs verify` checks an
 * export. The records are read first, then each window's proof (proofWindows), so that the
 * checkpoint covers them. Each record is a leaf, unchanged; no leaf received in the range is
 * missing; the checkpoint is signed by the pinned key; with `since`, the log extends the saved
 * checkpoint. Throws an IntegrityError naming the first thing wrong.
 */
export async function verifyWindow(
  source: WindowSource,
  timeZone: string,
  params: WindowVerificationParams,
  options: WindowVerificationOptions,
): Promise<ProofVerification> {
  const { vdnId, from, to, signal } = params;
  if (to < from) throw new RangeError('to: must not be before from');
  const check = { hashing: nodeHashing, verifySignature: verifyEd25519, key: parseVerifierKey(nodeHashing, options.publicKey) };
  const since = options.since === undefined ? undefined : await verifyCheckpoint(options.since, check.key, verifyEd25519).catch((error: Error) => {
    throw new IntegrityError(`since: ${error.message}`, { cause: error });
  });
  if (since && since.origin !== logOrigin(check.key.name, vdnId)) {
    throw new IntegrityError(`since: the saved checkpoint is of another log (${since.origin}), not of ${logName(vdnId)}`);
  }
  const windows = proofWindows(Math.floor(from.getTime() / 1000) * 1000, Math.floor(to.getTime() / 1000) * 1000);
  const held: ProvableRecord[][] = windows.map(() => []);
  for await (const log of source.records({ vdnId, from, to, signal })) {
    const operTime = parseInstant(log.operTime)!;
    const at = windows.findIndex((window) => operTime >= window.fromMs && operTime < window.toMs);
    if (at === -1) throw new IntegrityError(`record ${log.id}, received ${log.operTime}, is outside the range asked for`);
    held[at]!.push({ ...log, operTime, vdnId });
  }
  const total: ProofVerification = { records: 0, firstLeaf: null, lastLeaf: null, treeSize: 0 };
  for (const [i, window] of windows.entries()) {
    const proof = await windowProof(source, { vdnId, window, timeZone, fromTreeSize: since?.size, signal });
    const proven = await verifyLogProof(held[i]!, proof, { ...check, window, since: since && { size: since.size, root: since.root } });
    total.records += proven.records;
    total.treeSize = Math.max(total.treeSize, proven.treeSize);
    if (proven.firstLeaf !== null) total.firstLeaf = Math.min(total.firstLeaf ?? proven.firstLeaf, proven.firstLeaf);
    if (proven.lastLeaf !== null) total.lastLeaf = Math.max(total.lastLeaf ?? proven.lastLeaf, proven.lastLeaf);
  }
  return total;
}
