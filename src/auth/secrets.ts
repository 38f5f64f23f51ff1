import { createCipheriv, createDecipheriv, hkdfSync, randomBytes } from 'node:crypto';

/**
 * Encryption of SKs at rest with AES-256-GCM under a key derived (HKDF-SHA256) from the operator's
 * master key, so that the database file alone does not reveal them. Sealed values look like
 * `gcm1:<iv>:<tag>:<ciphertext>` (base64url); anything else is a clear-text SK.
 */
const PREFIX = 'gcm1:';

function deriveKey(masterKey: string): Buffer {
  return Buffer.from(hkdfSync('sha256', masterKey, 'isales-calllogs', 'sk-at-rest', 32));
}

export function isSealed(stored: string): boolean {
  return stored.startsWith(PREFIX);
}

export function sealSecret(secret: string, masterKey: string): string {
  const iv = randomBytes(12);
  const cipher = createCipheriv('aes-256-gcm', deriveKey(masterKey), iv);
  const ciphertext = Buffer.concat([cipher.update(secret, 'utf8'), cipher.final()]);
  return PREFIX + [iv, cipher.getAuthTag(), ciphertext].map((b) => b.toString('base64url')).join(':');
}

/** Opens a stored SK; throws when it is sealed and the master key is absent or wrong. */
export function openSecret(stored: string, masterKey: string | undefined): string {
  if (!isSealed(stored)) return stored;
  if (!masterKey) throw new Error('the secret key is encrypted at rest: set CALLLOGS_MASTER_KEY');
  const [iv, tag, ciphertext] = stored.slice(PREFIX.length).split(':').map((p) => Buffer.from(p, 'base64url'));
  try {
    const decipher = createDecipheriv('aes-256-gcm', deriveKey(masterKey), iv!);
    decipher.setAuthTag(tag!);
    return Buffer.concat([decipher.update(ciphertext!), decipher.final()]).toString('utf8');
  } catch {
    throw new Error('the secret key cannot be decrypted: CALLLOGS_MASTER_KEY is wrong');
  }
}
