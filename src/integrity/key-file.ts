import { randomBytes } from 'node:crypto';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { openSecret, sealSecret } from '../auth/secrets.js';
import { ensurePrivateFile, writePrivateFile, type Warn } from '../store/private-files.js';
import { exportPrivateKey, generateSigningKey, importPrivateKey, type LogSigningKey } from './node-crypto.js';

/** The default place of the checkpoint signing key: beside the data (`data/` for PostgreSQL). */
export function logKeyPathFor(dataDir: string): string {
  return join(dataDir, 'log-signing-key.json');
}

interface KeyFile {
  name: string;
  /** PKCS#8, base64; sealed (`gcm1:…`) with CALLLOGS_MASTER_KEY when that is set. */
  privateKey: string;
}

export function readLogKey(path: string, masterKey: string | undefined, warn: Warn): LogSigningKey {
  ensurePrivateFile(path, warn, false);
  let file: KeyFile;
  try {
    file = JSON.parse(readFileSync(path, 'utf8')) as KeyFile;
  } catch (error) {
    throw new Error(`log signing key ${path}: cannot be read (${(error as NodeJS.ErrnoException).code ?? 'not JSON'})`);
  }
  if (typeof file.name !== 'string' || typeof file.privateKey !== 'string') throw new Error(`log signing key ${path}: not a key file`);
  try {
    return importPrivateKey(file.name, openSecret(file.privateKey, masterKey));
  } catch (error) {
    throw new Error(`log signing key ${path}: ${(error as Error).message.replace('the secret key', 'the key')}`);
  }
}

/** The key in `path`, or undefined when there is no such file. */
export function readLogKeyIfAny(path: string, masterKey: string | undefined, warn: Warn): LogSigningKey | undefined {
  return existsSync(path) ? readLogKey(path, masterKey, warn) : undefined;
}

/** A new key, named `calllogs-<6 hex digits>`: the name starts every log's origin. */
export function newLogKey(): LogSigningKey {
  return generateSigningKey(`calllogs-${randomBytes(3).toString('hex')}`);
}

/** Writes the key owner-only (mode 0600), its private half sealed when a master key is set. */
export function writeLogKey(path: string, key: LogSigningKey, masterKey: string | undefined, warn: Warn): void {
  const privateKey = exportPrivateKey(key);
  const file: KeyFile = { name: key.note.name, privateKey: masterKey ? sealSecret(privateKey, masterKey) : privateKey };
  writePrivateFile(path, JSON.stringify(file, null, 2) + '\n', warn);
}
