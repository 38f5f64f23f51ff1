import { existsSync, readFileSync } from 'node:fs';
import { homedir } from 'node:os';
import { join } from 'node:path';
import { warnOnStderr, writePrivateFile } from '../store/private-files.js';
import { CliError } from './cli-error.js';

/** A named set of connection settings in the CLI's config file. */
export interface Profile {
  endpoint: string;
  ak: string;
  sk: string;
  /** PEM CA bundle file to trust. */
  ca?: string;
  /** The server's time zone. */
  timeZone?: string;
}

export const DEFAULT_PROFILE = 'default';

/** `$CALLLOGS_CONFIG`, else `$XDG_CONFIG_HOME/calllogs/config.json` (`~/.config/...`). */
export function configPath(): string {
  if (process.env.CALLLOGS_CONFIG) return process.env.CALLLOGS_CONFIG;
  return join(process.env.XDG_CONFIG_HOME || join(homedir(), '.config'), 'calllogs', 'config.json');
}

export function readProfiles(path = configPath()): Record<string, Profile> {
  if (!existsSync(path)) return {};
  try {
    const parsed = JSON.parse(readFileSync(path, 'utf8')) as { profiles?: Record<string, Profile> };
    return parsed.profiles ?? {};
  } catch {
    throw new CliError(`${path}: not a calllogs config file (JSON with "profiles")`);
  }
}

/** Saves a profile; the file holds SKs, so it is created (and kept) readable by its owner only. */
export function saveProfile(name: string, profile: Profile, path = configPath()): void {
  const profiles = { ...readProfiles(path), [name]: profile };
  writePrivateFile(path, JSON.stringify({ profiles }, null, 2) + '\n', warnOnStderr);
}
