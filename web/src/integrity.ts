import { sha256 } from '@noble/hashes/sha2.js';
import type { LogProof } from '../../src/contract/proof.js';
import { parseVerifierKey, type NoteKey, type VerifySignature } from '../../src/integrity/checkpoint.js';
import { IntegrityError } from '../../src/integrity/integrity-error.js';
import type { Hashing } from '../../src/integrity/merkle.js';
import { verifyLogProof } from '../../src/integrity/verify-proof.js';
import type { OpenapiLog } from './api.js';

/**
 * The page's records checked in the browser against their VDN's signed log (docs/integrity.md): the
 * same verifier as the SDK and `calllogs verify`, with a JavaScript SHA-256 (the tree needs it
 * synchronously) and WebCrypto's Ed25519 for the checkpoint's signature.
 */
const utf8 = new TextEncoder();
const webHashing: Hashing = { sha256: (data) => sha256(typeof data === 'string' ? utf8.encode(data) : data) };

// WebCrypto takes ArrayBuffer-backed views only.
const own = (bytes: Uint8Array): Uint8Array<ArrayBuffer> => new Uint8Array(bytes);

const webVerifySignature: VerifySignature = async (message, signature, publicKey) => {
  const key = await crypto.subtle.importKey('raw', own(publicKey), { name: 'Ed25519' }, false, ['verify']);
  return crypto.subtle.verify({ name: 'Ed25519' }, key, own(signature), own(message));
};

/** The verifier key this browser pinned the first time it saw one from this server. */
const PINNED = 'calllogs.console.logKey';

export type PinnedKey = { key: NoteKey } | { warning: string } | undefined;

/**
 * The key to verify with: pinned in this browser on first use (trust on first use), and a warning
 * when the server later presents another one (a new key signs checkpoints this browser cannot trust
 * without being told).
 */
export async function pinnedLogKey(): Promise<PinnedKey> {
  const served = ((await (await fetch('/checkpoints/latest')).json()) as { publicKey: string | null }).publicKey;
  const pinned = localStorage.getItem(PINNED) ?? served;
  if (!pinned) return undefined;
  if (!localStorage.getItem(PINNED)) localStorage.setItem(PINNED, pinned);
  if (served && served !== pinned) {
    return { warning: `The server now signs its logs with ${served}, not with the key this browser pinned (${pinned}): verification is off until you trust the new key.` };
  }
  return { key: parseVerifierKey(webHashing, pinned) };
}

export type PageVerification =
  | { state: 'verified'; records: number; treeSize: number; pending: number }
  | { state: 'failed'; message: string }
  | { state: 'unavailable'; message: string };

/**
 * Whether the page's records are leaves of their VDN's signed log, unchanged. Records newer than the
 * latest checkpoint are counted as not covered yet rather than failed (checkpoints follow within
 * seconds); any other mismatch fails and names the record.
 */
export async function verifyPage(records: OpenapiLog[], vdn: number, proof: LogProof, key: NoteKey): Promise<PageVerification> {
  const held = records.map((r) => ({ ...r, operTime: Date.parse(r.operTime), vdnId: vdn }));
  const sealed = new Set(proof.leaves.ids);
  const lastSealed = proof.leaves.operTimes.reduce((max, time) => Math.max(max, time), -Infinity);
  const newer = held.filter((r) => !sealed.has(r.id) && r.operTime > lastSealed);
  try {
    const result = await verifyLogProof(held.filter((r) => !newer.includes(r)), proof,
      { hashing: webHashing, verifySignature: webVerifySignature, key });
    return { state: 'verified', records: result.records, treeSize: result.treeSize, pending: newer.length };
  } catch (error) {
    if (error instanceof IntegrityError) return { state: 'failed', message: error.message };
    throw error;
  }
}
