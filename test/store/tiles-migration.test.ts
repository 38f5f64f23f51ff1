import Database from 'better-sqlite3';
import { join } from 'node:path';
import { pino } from 'pino';
import { describe, expect, it } from 'vitest';
import { generateSigningKey } from '../../src/integrity/node-crypto.js';
import { verifyStoreLogs } from '../../src/integrity/verify-logs.js';
import { formatVerifierKey } from '../../src/integrity/checkpoint.js';
import { Sealer } from '../../src/server/sealer.js';
import { openStore } from '../../src/store/open.js';
import type { LogStore } from '../../src/store/types.js';
import { createTestDatabase, onDatabase, postgresAvailable } from '../helpers/pg.js';
import { makeRecord } from '../helpers/records.js';
import { tempDir } from '../helpers/tmp.js';

const withPostgres = await postgresAvailable();
const DAY = 86_400_000;

/** Runs SQL on a store's database as an operator would, `?` for parameters. */
type Exec = (db: string, sql: string, params?: unknown[]) => Promise<void>;

const stores: [string, () => Promise<string>, Exec][] = [
  ['SQLite', async () => join(tempDir(), 'tiles.db'), async (db, sql, params = []) => {
    const conn = new Database(db);
    try {
      if (params.length === 0) conn.exec(sql);
      else conn.prepare(sql).run(...params);
    } finally {
      conn.close();
    }
  }],
  ...(withPostgres ? [['PostgreSQL', createTestDatabase, async (db: string, sql: string, params: unknown[] = []) => {
    let n = 0;
    await onDatabase(db, async (c) => void await c.query(sql.replace(/\?/g, () => `$${++n}`), params));
  }] as [string, () => Promise<string>, Exec]] : []),
];

/** Every leaf of a log, as a plain list. */
async function leavesOf(store: LogStore, vdn: number) {
  const leaves = [];
  for await (const { record: _record, ...leaf } of store.integrity.leaves(vdn)) leaves.push({ ...leaf, digest: Buffer.from(leaf.digest) });
  return leaves;
}

describe.each(stores)('logs stored as leaf rows (before tiles) on %s', (name, newDb, exec) => {
  it('become tiles when the store opens: the same leaves, proofs and checkpoints, and sealing goes on', async () => {
    const db = await newDb();
    const key = generateSigningKey('calllogs-test');
    const now = Date.now();
    const records = Array.from({ length: 700 }, (_, i) => makeRecord({ vdnId: i % 7 === 0 ? 3 : 2, operTime: now - DAY + i * 1000 }));
    let store = await openStore(db);
    await store.integrity.registerKey(formatVerifierKey(key.note));
    await store.insertBatch(records);
    const sealer = (s: LogStore) => new Sealer(s.integrity, { key, sealIntervalMs: 1000, checkpointIntervalMs: 1000, log: pino({ level: 'silent' }) });
    await sealer(store).run(true);
    const before = { leaves: await leavesOf(store, 2), columns: await store.integrity.leafColumns(2, 100, 590), range: await store.integrity.leafRange(2, now - DAY + 10_000, now - DAY + 400_000, 600) };
    // Back to the layout of migration 0007: one row per leaf, no tiles.
    await exec(db, `CREATE TABLE log_leaves (vdn integer NOT NULL, idx bigint NOT NULL, record_id text NOT NULL, oper_time bigint NOT NULL, digest ${name === 'SQLite' ? 'blob' : 'bytea'} NOT NULL, PRIMARY KEY (vdn, idx))`);
    for (const vdn of [2, 3]) {
      for (const leaf of await leavesOf(store, vdn)) {
        await exec(db, 'INSERT INTO log_leaves (vdn, idx, record_id, oper_time, digest) VALUES (?, ?, ?, ?, ?)', [vdn, leaf.index, leaf.recordId, leaf.operTime, leaf.digest]);
      }
    }
    await store.close();
    await exec(db, 'DROP TABLE log_tiles');
    await exec(db, 'DELETE FROM schema_migrations WHERE version = 8');

    store = await openStore(db);
    try {
      expect(await leavesOf(store, 2)).toEqual(before.leaves);
      expect(await store.integrity.leafColumns(2, 100, 590)).toEqual(before.columns);
      expect(await store.integrity.leafRange(2, now - DAY + 10_000, now - DAY + 400_000, 600)).toEqual(before.range);
      expect((await verifyStoreLogs(store.integrity, key.note)).logs.map((log) => [log.vdn, log.leaves, log.checkpointSize])).toEqual([[2, 600, 600], [3, 100, 100]]);
      // The open tiles the migration made take the next leaves.
      await store.insertBatch(Array.from({ length: 300 }, (_, i) => makeRecord({ vdnId: 2, operTime: now + i })));
      await sealer(store).run(true);
      expect((await verifyStoreLogs(store.integrity, key.note)).logs.map((log) => [log.vdn, log.leaves, log.checkpointSize])).toEqual([[2, 900, 900], [3, 100, 100]]);
    } finally {
      await store.close();
    }
  }, 60_000);
});
