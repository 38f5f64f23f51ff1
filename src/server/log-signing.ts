import { formatVerifierKey } from '../integrity/checkpoint.js';
import { newLogKey, readLogKeyIfAny, writeLogKey } from '../integrity/key-file.js';
import type { LogSigningKey } from '../integrity/node-crypto.js';
import type { Warn } from '../store/private-files.js';
import type { IntegrityRepository } from '../store/types.js';

/**
 * The key this instance signs checkpoints with, if it may sign. The store remembers the public key
 * of the first instance that signed: an instance with the same key file signs too; one without a
 * key file creates it only when no key is registered yet; one holding another key signs nothing
 * (and says so), so a store's checkpoints are always verifiable with one pinned key.
 */
export async function logSigningKey(
  logs: IntegrityRepository,
  path: string,
  masterKey: string | undefined,
  warn: Warn,
): Promise<LogSigningKey | undefined> {
  const existing = readLogKeyIfAny(path, masterKey, warn);
  const key = existing ?? newLogKey();
  const ours = formatVerifierKey(key.note);
  const registered = await logs.registerKey(ours);
  if (registered !== ours) {
    warn(existing
      ? `log signing key ${path} is not the key this store's checkpoints are signed with (${registered}): this instance signs no checkpoints`
      : `no log signing key at ${path}: this store's checkpoints are signed with ${registered}; copy that key file here to sign from this instance too`);
    return undefined;
  }
  if (!existing) writeLogKey(path, key, masterKey, warn);
  return key;
}
