import type Database from 'better-sqlite3';

/**
 * Who copies SQLite's WAL back into the database file, per connection:
 * - `commits`, SQLite's default: a commit that finds 1,000 pages in the WAL checkpoints them. On
 *   the event loop's connection that copied ~4 MB and synced the file every second or so under
 *   load, stalling every call in flight for 10–24 ms (bench/gateway.mjs p99).
 * - `left-to-sealer`: the event loop's connection when the sealer's thread checkpoints; its own
 *   commits do only while the WAL is past BACKSTOP_PAGES (the sealer behind, or readers keeping
 *   the WAL from restarting: under back-to-back batches it holds about a second of writes).
 * - `after-seals`: the sealer's connection, on its own thread: a RESTART checkpoint after each
 *   seal, which lets the next writer start the WAL over. A PASSIVE checkpoint alone is not enough:
 *   the WAL restarts only when a writer begins after a complete one, which a writer committing
 *   every few milliseconds seldom finds, and the WAL grew to hundreds of MB (tried: README).
 */
export type WalCheckpoints = 'commits' | 'left-to-sealer' | 'after-seals';

/** ~32 MB of WAL: the backstop at which a connection that leaves checkpoints to the sealer does one itself. */
const BACKSTOP_PAGES = 8000;
/**
 * How long a RESTART checkpoint waits for the writer before it and for readers after it. Writers
 * wait meanwhile (the event loop's on timers, not asleep); one that cannot finish in time is left
 * to the next seal.
 */
const RESTART_WAIT_MS = 250;

export function setWalCheckpoints(db: Database.Database, mode: WalCheckpoints): void {
  if (mode === 'left-to-sealer') db.pragma(`wal_autocheckpoint = ${BACKSTOP_PAGES}`);
}

/** The checkpoint a connection runs after its seals, or none. */
export function checkpointAfterSeals(db: Database.Database, mode: WalCheckpoints, busyTimeoutMs: number): (() => void) | undefined {
  if (mode !== 'after-seals') return undefined;
  return () => {
    db.pragma(`busy_timeout = ${RESTART_WAIT_MS}`);
    try {
      db.pragma('wal_checkpoint(RESTART)');
    } finally {
      db.pragma(`busy_timeout = ${busyTimeoutMs}`);
    }
  };
}
