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

export function keyStoreOf(store: LogStore): KeyStore {
  return new KeyStore(store.keys, process.env.CALLLOGS_MASTER_KEY || undefined);
}
