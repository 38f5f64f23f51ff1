import Database from 'better-sqlite3';
import { join } from 'node:path';
import { pino } from 'pino';
import { describe, expect, it } from 'vitest';
import { parseJson } from '../../src/contract/proof.js';
import { generateSigningKey } from '../../src/integrity/node-crypto.js';
import { verifyStoreLogs } from '../../src/integrity/verify-logs.js';
import { formatVerifierKey } from '../../src/integrity/checkpoint.js';
import { Sealer } from '../../src/server/sealer.js';
import { openStore } from '../../src/store/open.js';
import type { LogStore } from '../../src/store/types.js';
import { createTestDatabase, onDatabase, postgresAvailable } from '../helpers/pg.js';
import { makeRecord } from '../helpers/records.js';
import { tempDir } from '../helpers/tmp.js';
import { sealEverything } from '../helpers/sealing.js';

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

/** The tiles' first leaves and kept access keys, as stored. */
async function tileRows(name: string, db: string): Promise<{ first_leaf: number | string; aks: string | null }[]> {
  const sql = 'SELECT first_leaf, aks FROM log_tiles WHERE vdn = 2 ORDER BY first_leaf';
  if (name !== 'SQLite') return onDatabase(db, async (c) => (await c.query<{ first_leaf: string; aks: string | null }>(sql)).rows);
  const conn = new Database(db, { readonly: true });
  try {
    return conn.prepare(sql).all() as { first_leaf: number; aks: string | null }[];
  } finally {
    conn.close();
  }
}

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
    await sealEverything(store, () => sealer(store).run(true));
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
    await exec(db, 'DELETE FROM schema_migrations WHERE version >= 8');

    store = await openStore(db);
    try {
      expect(await leavesOf(store, 2)).toEqual(before.leaves);
      expect(await store.integrity.leafColumns(2, 100, 590)).toEqual(before.columns);
      expect(await store.integrity.leafRange(2, now - DAY + 10_000, now - DAY + 400_000, 600)).toEqual(before.range);
      expect((await verifyStoreLogs(store.integrity, key.note)).logs.map((log) => [log.vdn, log.leaves, log.checkpointSize])).toEqual([[2, 600, 600], [3, 100, 100]]);
      // The open tiles the migration made take the next leaves.
      await store.insertBatch(Array.from({ length: 300 }, (_, i) => makeRecord({ vdnId: 2, operTime: now + i })));
      await sealEverything(store, () => sealer(store).run(true));
      expect((await verifyStoreLogs(store.integrity, key.note)).logs.map((log) => [log.vdn, log.leaves, log.checkpointSize])).toEqual([[2, 900, 900], [3, 100, 100]]);
    } finally {
      await store.close();
    }
  }, 60_000);

  it('keep their records\' extra fields when the store opens (the tiles before 0009): proofs carry them as before, none of a removed record', async () => {
    const db = await newDb();
    const key = generateSigningKey('calllogs-test');
    const now = Date.now();
    const records = Array.from({ length: 600 }, (_, i) => makeRecord({
      vdnId: 2, operTime: now - 3 * DAY + i * 60_000, ak: i % 3 ? `ak-${i % 4}` : null, clientIp: i % 5 ? `10.1.0.${i % 200}` : null, durationMs: i % 7 ? i / 4 : null,
    }));
    let store = await openStore(db);
    await store.integrity.registerKey(formatVerifierKey(key.note));
    await store.insertBatch(records);
    const sealer = new Sealer(store.integrity, { key, sealIntervalMs: 1000, checkpointIntervalMs: 1000, log: pino({ level: 'silent' }) });
    await sealEverything(store, () => sealer.run(true));
    const extras = (leaves: typeof records) => ({
      ids: leaves.map((r) => r.id), ak: leaves.map((r) => r.ak), clientIp: leaves.map((r) => r.clientIp), durationMs: leaves.map((r) => r.durationMs),
    });
    const read = async (s: LogStore, start: number, end: number) => Object.fromEntries(
      Object.entries((await s.integrity.proofLeaves(2, start, end)).extraFields).map(([name, json]) => [name, parseJson(json)]),
    );
    expect(await read(store, 0, 600)).toEqual(extras(records));
    await store.close();
    // Back to the layout of migration 0008: no extras in the tiles; a horizon as retention leaves it, within tile 1.
    for (const column of ['aks', 'client_ips', 'durations']) await exec(db, `ALTER TABLE log_tiles DROP COLUMN ${column}`);
    await exec(db, 'DELETE FROM schema_migrations WHERE version = 9');
    const horizon = records[300]!.operTime;
    await exec(db, 'UPDATE log_state SET retained_from = ?', [horizon]);
    await exec(db, 'DELETE FROM records WHERE oper_time < ?', [horizon]);

    store = await openStore(db);
    try {
      expect(await read(store, 0, 600)).toEqual(extras(records.slice(300)));
      expect(await read(store, 290, 310)).toEqual(extras(records.slice(300, 310)));
      // Tile 0 lies wholly before the horizon: nothing of its records is kept.
      expect((await tileRows(name, db)).map((row) => [Number(row.first_leaf), row.aks === null])).toEqual([[0, true], [256, false], [512, false]]);
    } finally {
      await store.close();
    }
  }, 60_000);
});
