import { dirname, join } from 'node:path';
import type { KeyStore } from '../auth/key-store.js';
import { isPostgresUrl } from '../store/db-url.js';
import { writePrivateFile, type Warn } from '../store/private-files.js';

export interface Credentials {
  ak: string;
  sk: string;
  endpoint?: string;
}

/** The folder of a store's local files: beside a SQLite database, `./data` for PostgreSQL. */
export function dataDirFor(db: string): string {
  return isPostgresUrl(db) ? 'data' : dirname(db);
}

/** The credentials file `serve` writes on a first start. */
export function credentialsPathFor(db: string): string {
  return join(dataDirFor(db), 'credentials.json');
}

export function writeCredentials(path: string, credentials: Credentials, warn: Warn): void {
  writePrivateFile(path, JSON.stringify(credentials, null, 2) + '\n', warn);
}

/**
 * On a first start (no keys at all) creates one all-VDN key so a newcomer can sign a request at
 * once, and writes it to a mode-0600 credentials file beside the database.
 */
export async function bootstrapKey(
  keys: KeyStore,
  db: string,
  endpoint: string,
  warn: Warn,
): Promise<{ ak: string; sk: string; file: string } | undefined> {
  if ((await keys.count()) > 0) return undefined;
  const key = await keys.create({ vdns: 'all', label: 'created on first start' });
  const file = credentialsPathFor(db);
  writeCredentials(file, { ak: key.ak, sk: key.sk, endpoint }, warn);
  return { ak: key.ak, sk: key.sk, file };
}
