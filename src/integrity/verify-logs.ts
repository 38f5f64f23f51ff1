import type { IntegrityRepository } from '../store/types.js';
import { verifyCheckpoint, type Checkpoint, type NoteKey } from './checkpoint.js';
import { recordDigest } from './leaf.js';
import { appendLeaf, emptyHead, type LogHeadState } from './log-append.js';
import { equalHashes, rootFromFrontier } from './merkle.js';
import { nodeHashing, verifyEd25519 } from './node-crypto.js';
import { leafHashOf, logName, logOf, logOrigin } from './seal.js';
import { IntegrityError } from './integrity-error.js';

export interface VerifiedLog {
  vdn: number;
  /** Leaves read from the store. */
  leaves: number;
  /** The size of the newest signed checkpoint, 0 when the log has none yet. */
  checkpointSize: number;
  /** Leaves whose records retention removed (their digests still count). */
  retained: number;
}

export interface StoreVerification {
  logs: VerifiedLog[];
  /** Records written since the last seal: in no log yet. */
  unsealed: number;
  retainedFrom: number;
}

const iso = (ms: number) => new Date(ms).toISOString();

/**
 * Recomputes every VDN's log from the store's records and checks it against the signed
 * checkpoints (operator side, `calllogs verify --db`): each leaf's record is there, unchanged and
 * in its VDN (or removed by retention), the leaves hash to the checkpoint's root, the checkpoint is
 * signed by the pinned key, no record older than the sealed position is outside every log, and,
 * with `since` (checkpoints saved earlier), every log still extends what was saved. Throws an
 * IntegrityError at the first thing wrong.
 */
export async function verifyStoreLogs(logs: IntegrityRepository, key: NoteKey, since: Checkpoint[] = []): Promise<StoreVerification> {
  const retainedFrom = await logs.retainedFrom();
  const savedByOrigin = new Map(since.map((checkpoint) => [checkpoint.origin, checkpoint]));
  const verified: VerifiedLog[] = [];
  for (const head of await logs.heads()) {
    const name = logName(head.vdn);
    const origin = logOrigin(key.name, head.vdn);
    let signed: Checkpoint | undefined;
    if (head.checkpoint) {
      try {
        signed = await verifyCheckpoint(head.checkpoint, key, verifyEd25519);
      } catch (error) {
        throw new IntegrityError(`${name}: ${(error as Error).message}`, { cause: error });
      }
      if (signed.origin !== origin) throw new IntegrityError(`${name}: its checkpoint is for another log (${signed.origin})`);
    }
    const saved = savedByOrigin.get(origin);
    savedByOrigin.delete(origin);
    const state: LogHeadState = emptyHead();
    const checkRoot = (checkpoint: Checkpoint | undefined, what: string) => {
      if (checkpoint?.size === state.size && !equalHashes(rootFromFrontier(nodeHashing, state.frontier), checkpoint.root)) {
        throw new IntegrityError(`${name}: its first ${state.size} leaves do not hash to the root of ${what}: a sealed leaf was changed, removed or inserted`);
      }
    };
    let retained = 0;
    for await (const leaf of logs.leaves(head.vdn)) {
      if (leaf.index !== state.size) throw new IntegrityError(`${name}: leaf ${state.size} is missing`);
      const where = `record ${leaf.recordId} (leaf ${leaf.index} of ${name})`;
      if (leaf.record) {
        if (logOf(leaf.record) !== head.vdn) throw new IntegrityError(`${where} was moved to ${logName(logOf(leaf.record))}`);
        if (leaf.record.operTime !== leaf.operTime || !equalHashes(recordDigest(nodeHashing, leaf.record), leaf.digest)) {
          throw new IntegrityError(`${where} was changed after it was sealed`);
        }
      } else if (leaf.operTime >= retainedFrom) {
        throw new IntegrityError(`${where}, received ${iso(leaf.operTime)}, is missing: it was deleted`);
      } else {
        retained += 1;
      }
      appendLeaf(nodeHashing, state, leafHashOf(nodeHashing, leaf));
      checkRoot(signed, `its signed checkpoint (size ${signed?.size})`);
      checkRoot(saved, `the checkpoint saved earlier (size ${saved?.size})`);
    }
    if (signed && state.size < signed.size) throw new IntegrityError(`${name}: leaves ${state.size} to ${signed.size - 1} of its signed checkpoint are missing`);
    if (saved && state.size < saved.size) {
      throw new IntegrityError(`${name}: the log has ${state.size} leaves, fewer than the ${saved.size} of the checkpoint saved earlier: it was truncated`);
    }
    verified.push({ vdn: head.vdn, leaves: state.size, checkpointSize: signed?.size ?? 0, retained });
  }
  for (const checkpoint of savedByOrigin.values()) {
    throw new IntegrityError(`${checkpoint.origin}: the log of the checkpoint saved earlier (size ${checkpoint.size}) is gone`);
  }
  for await (const record of logs.unlogged()) {
    throw new IntegrityError(`record ${record.id} (${logName(logOf(record))}) is in no log though older than the sealed position: it was inserted behind the sealer's back`);
  }
  return { logs: verified, unsealed: await logs.unsealedCount(), retainedFrom };
}
