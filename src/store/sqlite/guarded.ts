import Database from 'better-sqlite3';
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
