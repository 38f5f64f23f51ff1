import Database from 'better-sqlite3';
import { setTimeout as sleep } from 'node:timers/promises';
import { CalllogsError } from '../../contract/codes.js';

// Errors that mean "the store cannot be used right now", answered 503 rather than 500.
const UNAVAILABLE = /^SQLITE_(BUSY|LOCKED|CANTOPEN|IOERR|FULL|READONLY|PROTOCOL|NOTADB)/;

/** Rethrows "cannot reach the store" failures as 503, so they are not mistaken for bugs. */
export function translateError(error: unknown): unknown {
  if (error instanceof Database.SqliteError && UNAVAILABLE.test(error.code)) {
    return new CalllogsError('UNAVAILABLE', 'store: temporarily unavailable', 1);
  }
  return error;
}

/** Runs synchronous SQLite work as a promise, its unavailability errors made 503s. */
export function guarded<T>(work: () => T): Promise<T> {
  try {
    return Promise.resolve(work());
  } catch (error) {
    return Promise.reject(translateError(error));
  }
}

/** The longest pause between two tries for the write lock (they start at 1 ms and double). */
const MAX_LOCK_POLL_MS = 8;

const isBusy = (error: unknown): boolean => error instanceof Database.SqliteError && error.code.startsWith('SQLITE_BUSY');

/**
 * Runs a synchronous write on the event loop's connection (record batches, retention) without
 * waiting in SQLite's busy handler, which sleeps the whole thread (no call is answered meanwhile)
 * while another connection holds the write lock: the sealer's thread, a `--workers` writer, an
 * import. The write is tried with no wait and, while the lock is taken, tried again after a timer,
 * until `timeoutMs` has passed; then it fails as a blocked write always did (503). Between tries
 * the connection waits `timeoutMs` again, for everything else done on it.
 */
export async function writeWhenUnlocked<T>(db: Database.Database, timeoutMs: number, work: () => T): Promise<T> {
  const deadline = performance.now() + timeoutMs;
  for (let pauseMs = 1; ; pauseMs = Math.min(2 * pauseMs, MAX_LOCK_POLL_MS)) {
    db.pragma('busy_timeout = 0');
    try {
      return work();
    } catch (error) {
      if (!isBusy(error) || performance.now() + pauseMs > deadline) throw translateError(error);
    } finally {
      db.pragma(`busy_timeout = ${timeoutMs}`);
    }
    await sleep(pauseMs);
  }
}
