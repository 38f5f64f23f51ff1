import { createPrivateKey, createPublicKey, generateKeyPairSync, hash, sign, verify, type KeyObject } from 'node:crypto';
import type { NoteKey, VerifySignature } from './checkpoint.js';
import { noteKeyId } from './checkpoint.js';
import type { Hashing } from './merkle.js';

/**
 * SHA-256 by node:crypto's one-shot hash (a Buffer is a Uint8Array). The digest comes as a latin1
 * string ('binary' is Node's other name for it) copied into a pooled Buffer: a 'buffer' digest gets
 * a backing store of its own, which made a small hash cost 3x as much (sealing and verifying hash
 * millions). A digest is thus a view into a shared slab: copy it before posting its `.buffer`.
 */
export const nodeHashing: Hashing = { sha256: (data) => Buffer.from(hash('sha256', data, 'binary'), 'latin1') };

export const verifyEd25519: VerifySignature = (message, signature, publicKey) =>
  verify(null, message, publicFromRaw(publicKey), signature);

function publicFromRaw(raw: Uint8Array): KeyObject {
  return createPublicKey({ key: { kty: 'OKP', crv: 'Ed25519', x: Buffer.from(raw).toString('base64url') }, format: 'jwk' });
}

/** The key that signs checkpoints: its note identity and the private half. */
export interface LogSigningKey {
  note: NoteKey;
  privateKey: KeyObject;
}

export function signingKeyOf(name: string, privateKey: KeyObject): LogSigningKey {
  const jwk = createPublicKey(privateKey).export({ format: 'jwk' });
  const publicKey = new Uint8Array(Buffer.from(jwk.x!, 'base64url'));
  return { note: { name, id: noteKeyId(nodeHashing, name, publicKey), publicKey }, privateKey };
}

export function generateSigningKey(name: string): LogSigningKey {
  return signingKeyOf(name, generateKeyPairSync('ed25519').privateKey);
}

export function signMessage(key: LogSigningKey, message: Uint8Array): Uint8Array {
  return new Uint8Array(sign(null, message, key.privateKey));
}

/** PKCS#8 DER, base64: how the private key is kept in its file (sealed or not). */
export function exportPrivateKey(key: LogSigningKey): string {
  return key.privateKey.export({ format: 'der', type: 'pkcs8' }).toString('base64');
}

export function importPrivateKey(name: string, pkcs8: string): LogSigningKey {
  return signingKeyOf(name, createPrivateKey({ key: Buffer.from(pkcs8, 'base64'), format: 'der', type: 'pkcs8' }));
}
