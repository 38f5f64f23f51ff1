import { KeyStore } from '../auth/key-store.js';
import { openStore } from '../store/open.js';
import type { LogStore } from '../store/types.js';

/** Runs `work` against the store `db` names and closes it afterwards, whatever happens. */
export async function withStore<T>(db: string, work: (store: LogStore) => Promise<T>): Promise<T> {
  const store = await openStore(db);
  try {
    return await work(store);
  } finally {
    await store.close();
  }
}

/** The operator's master key (CALLLOGS_MASTER_KEY), which seals SKs and the log signing key at rest. */
export function masterKeyFromEnv(): string | undefined {
  return process.env.CALLLOGS_MASTER_KEY || undefined;
}

export function keyStoreOf(store: LogStore): KeyStore {
  return new KeyStore(store.keys, masterKeyFromEnv());
}
