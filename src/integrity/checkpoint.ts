/**
 * Checkpoints of a log in the C2SP `tlog-checkpoint` format, signed as C2SP `signed-note` with an
 * Ed25519 key, so transparency-log tooling reads them. Free of Node.js APIs: the signature check
 * comes in (`VerifySignature`), node:crypto on the server, WebCrypto in the browser.
 */
import { fromBase64, fromHex, toBase64, toHex } from './encoding.js';
import type { Hash, Hashing } from './merkle.js';

export interface Checkpoint {
  /** The log's name: `<key name>/vdn/<VDN>`, or `<key name>/vdn/none` for calls naming no VDN. */
  origin: string;
  size: number;
  root: Hash;
}

/** A note verifier key: its name, 4-byte id and Ed25519 public key. */
export interface NoteKey {
  name: string;
  id: Uint8Array;
  publicKey: Uint8Array;
}

export type VerifySignature = (message: Uint8Array, signature: Uint8Array, publicKey: Uint8Array) => boolean | Promise<boolean>;

const ED25519 = 0x01;
const SIGNATURE_PREFIX = '\u2014 ';
const utf8 = new TextEncoder();

export function checkpointText(checkpoint: Checkpoint): string {
  return `${checkpoint.origin}\n${checkpoint.size}\n${toBase64(checkpoint.root)}\n`;
}

/** signed-note's key id: the first 4 bytes of SHA-256(name, "\n", 0x01, public key). */
export function noteKeyId(hashing: Hashing, name: string, publicKey: Uint8Array): Uint8Array {
  const nameBytes = utf8.encode(name);
  const input = new Uint8Array(nameBytes.length + 2 + publicKey.length);
  input.set(nameBytes);
  input[nameBytes.length] = 0x0a;
  input[nameBytes.length + 1] = ED25519;
  input.set(publicKey, nameBytes.length + 2);
  return hashing.sha256(input).slice(0, 4);
}

/** `<name>+<key id hex>+<base64(0x01, public key)>`: what a verifier pins. */
export function formatVerifierKey(key: NoteKey): string {
  return `${key.name}+${toHex(key.id)}+${toBase64(Uint8Array.of(ED25519, ...key.publicKey))}`;
}

export function parseVerifierKey(hashing: Hashing, text: string): NoteKey {
  // The key's base64 may itself hold '+': only the first two separate fields.
  const match = /^([^+\s]+)\+([0-9a-f]{8})\+(\S+)$/.exec(text.trim());
  const [, name, idHex, encoded] = match ?? [];
  const id = fromHex(idHex ?? '');
  const bytes = fromBase64(encoded ?? '');
  if (!name || !id || id.length !== 4 || !bytes || bytes.length !== 33 || bytes[0] !== ED25519) {
    throw new Error('public key: expected <name>+<8 hex digits>+<base64 Ed25519 key> (calllogs log-key)');
  }
  const key = { name, id, publicKey: bytes.slice(1) };
  if (toHex(noteKeyId(hashing, name, key.publicKey)) !== idHex) throw new Error('public key: its id does not match its name and key');
  return key;
}

/** The note with one signature line. */
export function signedNote(text: string, key: NoteKey, signature: Uint8Array): string {
  return `${text}\n${SIGNATURE_PREFIX}${key.name} ${toBase64(Uint8Array.of(...key.id, ...signature))}\n`;
}

/** Reads a checkpoint's text strictly: three lines, a decimal size, a 32-byte base64 root. */
export function parseCheckpointText(text: string): Checkpoint {
  const lines = text.split('\n');
  const [origin, size, root] = lines;
  const rootBytes = fromBase64(root ?? '');
  if (lines.length !== 4 || lines[3] !== '' || !origin || !/^(0|[1-9]\d{0,15})$/.test(size ?? '') || !rootBytes || rootBytes.length !== 32) {
    throw new Error('checkpoint: not an origin, a tree size and a root hash, one per line');
  }
  return { origin, size: Number(size), root: rootBytes };
}

/** The signers a message names at most (a note may carry any number of signature lines). */
const NAMED_SIGNERS = 3;
/** Printable ASCII without space or '+' (signed-note key names), not too long to quote. */
const PRINTABLE_KEY_NAME = /^[!-*,-~]{1,100}$/;

/** A checkpoint that carries no signature of the pinned key; the message names the keys it is signed by. */
export class UnpinnedSignerError extends Error {
  constructor(key: NoteKey, signers: string[]) {
    const more = signers.length > NAMED_SIGNERS ? ` and ${signers.length - NAMED_SIGNERS} more` : '';
    const by = signers.length > 0 ? `it is signed by ${signers.slice(0, NAMED_SIGNERS).join(', ')}${more}` : 'it names no key';
    super(`checkpoint: not signed by the pinned key ${key.name}+${toHex(key.id)}; ${by}`);
    this.name = 'UnpinnedSignerError';
  }
}

/**
 * Checks a signed checkpoint against a pinned key and returns what it says; throws naming what is
 * wrong (malformed, not signed by this key, a bad signature).
 */
export async function verifyCheckpoint(note: string, key: NoteKey, verify: VerifySignature): Promise<Checkpoint> {
  const split = note.lastIndexOf('\n\n');
  if (split < 0 || !note.endsWith('\n')) throw new Error('checkpoint: not a signed note');
  const text = note.slice(0, split + 1);
  const checkpoint = parseCheckpointText(text);
  const lines = note.slice(split + 2, -1).split('\n');
  const signers: string[] = [];
  for (const line of lines) {
    if (!line.startsWith(SIGNATURE_PREFIX)) throw new Error('checkpoint: a signature line is malformed');
    const [name, encoded] = line.slice(SIGNATURE_PREFIX.length).split(' ');
    const bytes = fromBase64(encoded ?? '');
    if (!name || !bytes || bytes.length !== 68) continue;
    if (name !== key.name || toHex(bytes.slice(0, 4)) !== toHex(key.id)) {
      // The note is untrusted: a name that is not a plain key name is not echoed to a terminal.
      signers.push(PRINTABLE_KEY_NAME.test(name) ? `${name}+${toHex(bytes.slice(0, 4))}` : 'a key with an unprintable name');
      continue;
    }
    if (!(await verify(utf8.encode(text), bytes.slice(4), key.publicKey))) {
      throw new Error(`checkpoint: the signature of ${key.name} does not verify (the checkpoint was altered or signed with another key)`);
    }
    return checkpoint;
  }
  throw new UnpinnedSignerError(key, signers);
}
