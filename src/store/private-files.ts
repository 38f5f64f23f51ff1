import { chmodSync, closeSync, mkdirSync, openSync, statSync, writeFileSync } from 'node:fs';
import { dirname } from 'node:path';

/**
 * Records and keys are readable by the service's own user only: folders 0700 and files 0600 from
 * their first byte (created with that mode, not narrowed after writing).
 */
const DIR_MODE = 0o700;
const FILE_MODE = 0o600;
const OPEN_TO_OTHERS = 0o077;

/** Said about a file or folder found open to other users. */
export type Warn = (message: string) => void;

function modeOf(path: string): number | undefined {
  try {
    return statSync(path).mode & 0o777;
  } catch {
    return undefined;
  }
}

const octal = (mode: number): string => `0${mode.toString(8)}`;

/**
 * Creates a folder and its missing parents owner-only. An existing folder open to others is left
 * as it is (it may be shared, like the working directory) and reported.
 */
export function ensurePrivateDir(dir: string, warn: Warn): void {
  const mode = modeOf(dir);
  if (mode === undefined) mkdirSync(dir, { recursive: true, mode: DIR_MODE });
  else if (mode & OPEN_TO_OTHERS) warn(`${dir} is mode ${octal(mode)}: other users can list the files in it (the files themselves are 0600)`);
}

/**
 * Makes sure `path` exists owner-only: created empty with mode 0600 if missing (SQLite gives its
 * -wal and -shm files the mode of the database file), narrowed to 0600 and reported if it was open
 * to others. With `create: false` only an existing file is checked.
 */
export function ensurePrivateFile(path: string, warn: Warn, create = true): void {
  const mode = modeOf(path);
  if (mode === undefined) {
    if (create) closeSync(openSync(path, 'a', FILE_MODE));
    return;
  }
  if (!(mode & OPEN_TO_OTHERS)) return;
  chmodSync(path, FILE_MODE);
  warn(`${path} was mode ${octal(mode)}, readable by other users: changed to 0600`);
}

/** Writes a whole owner-only file (keys, credentials, profiles), in an owner-only folder if it creates one. */
export function writePrivateFile(path: string, text: string, warn: Warn): void {
  ensurePrivateDir(dirname(path), warn);
  ensurePrivateFile(path, warn);
  writeFileSync(path, text, { mode: FILE_MODE });
}

/** The default for a command's own files: a warning on standard error. */
export const warnOnStderr: Warn = (message) => process.stderr.write(`calllogs: warning: ${message}\n`);
