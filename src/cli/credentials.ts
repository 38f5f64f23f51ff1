import { existsSync, readFileSync } from 'node:fs';
import { credentialsPathFor, type Credentials } from '../server/bootstrap-key.js';
import { DEFAULT_DB } from '../server/config.js';
import { CliError } from './cli-error.js';

export interface CredentialFlags {
  ak?: string;
  sk?: string;
  endpoint?: string;
  credentials?: string;
}

export const DEFAULT_ENDPOINT = 'http://127.0.0.1:8080';

/**
 * AK, SK and endpoint from flags (or their CALLLOGS_* variables), else from the credentials file
 * (`--credentials`, else the one `serve` writes beside the default database).
 */
export function resolveCredentials(flags: CredentialFlags): Required<Credentials> {
  const file = flags.credentials ?? credentialsPathFor(process.env.CALLLOGS_DB ?? DEFAULT_DB);
  let stored: Partial<Credentials> = {};
  if ((!flags.ak || !flags.sk) && existsSync(file)) {
    try {
      stored = JSON.parse(readFileSync(file, 'utf8')) as Partial<Credentials>;
    } catch {
      throw new CliError(`${file}: not a credentials file (JSON with ak and sk)`);
    }
  }
  const ak = flags.ak ?? stored.ak;
  const sk = flags.sk ?? stored.sk;
  if (!ak || !sk) {
    throw new CliError(`no credentials: pass --ak and --sk, set CALLLOGS_AK and CALLLOGS_SK, or --credentials FILE (looked for ${file})`);
  }
  return { ak, sk, endpoint: flags.endpoint ?? stored.endpoint ?? DEFAULT_ENDPOINT };
}
