import pg from 'pg';
import { join } from 'node:path';
import { Worker } from 'node:worker_threads';
import { describe, expect, it } from 'vitest';
import { SEALER_LOCK } from '../../src/store/postgres/postgres-integrity.js';
import { RECORD_COLUMNS, rowValues } from '../../src/store/rows.js';
import { openStore } from '../../src/store/open.js';
import type { LogStore } from '../../src/store/types.js';
import { createTestDatabase, onDatabase, postgresAvailable } from '../helpers/pg.js';
import { makeRecord } from '../helpers/records.js';
import { tempDir } from '../helpers/tmp.js';
import { sealEverything } from '../helpers/sealing.js';

const withPostgres = await postgresAvailable();

async function leafIndexes(store: LogStore, vdn: number): Promise<Map<string, number>> {
  const indexes = new Map<string, number>();
  for await (const leaf of store.integrity.leaves(vdn)) indexes.set(leaf.recordId, leaf.index);
  return indexes;
}

/** Seals three records at a time until none waits. */
const sealAll = (store: LogStore) => sealEverything(store, async () => {
  while ((await store.integrity.seal(3)) > 0);
});

const stores: [string, () => Promise<string>][] = [
  ['SQLite', async () => join(tempDir(), 'sealing.db')],
  ...(withPostgres ? [['PostgreSQL', createTestDatabase] as [string, () => Promise<string>]] : []),
];


describe.each(stores)('sealing on %s', (_name, newDb) => {
  it('finds a window\'s first and last leaf, also when the tiles at its ends enclose it without holding any of it', async () => {
    const store = await openStore(await newDb());
    try {
      const base = Date.now() - 86_400_000;
      // Tiles 0, 1, 5 and 6 span [base, base + 10,000] with none of their leaves inside it; 2, 3 and 4 hold leaves in it.
      const around = () => Array.from({ length: 256 }, (_, i) => makeRecord({ vdnId: 2, operTime: base + (i % 2 === 0 ? 0 : 10_000) }));
      const within = (from: number) => Array.from({ length: 256 }, (_, i) => makeRecord({ vdnId: 2, operTime: base + from + i }));
      for (const tile of [around(), around(), within(5_000), within(5_300), within(5_600), around(), around()]) {
        await store.insertBatch(tile);
        await sealAll(store);
      }
      const range = (from: number, to: number) => store.integrity.leafRange(2, base + from, base + to, 1792);
      expect(await range(5_000, 5_999)).toEqual({ first: 512, last: 1279 });
      expect(await range(5_100, 5_700)).toEqual({ first: 612, last: 1124 });
      expect(await range(0, 10_000)).toEqual({ first: 0, last: 1791 });
      expect(await range(6_000, 9_999)).toBeUndefined();
      // The checkpoint's size bounds it: leaves from 1,200 on are not signed yet.
      expect(await store.integrity.leafRange(2, base + 5_000, base + 5_999, 1200)).toEqual({ first: 512, last: 1199 });
    } finally {
      await store.close();
    }
  });

  it('gives records written later the next leaves, old receive times (imports, spill replays) included', async () => {
    const store = await openStore(await newDb());
    try {
      const first = Array.from({ length: 10 }, (_, i) => makeRecord({ operTime: Date.now() + i }));
      await store.insertBatch(first);
      await sealAll(store);
      const late = Array.from({ length: 5 }, (_, i) => makeRecord({ operTime: Date.now() - 86_400_000 + i }));
      await store.insertBatch(late);
      const imported = Array.from({ length: 4 }, (_, i) => makeRecord({ operTime: Date.now() - 2 * 86_400_000 + i }));
      const session = await store.beginImport();
      await session.add(imported);
      await session.commit();
      expect(await store.integrity.unsealedCount()).toBeGreaterThanOrEqual(4);
      await sealAll(store);
      expect(await store.integrity.unsealedCount()).toBe(0);
      const indexes = await leafIndexes(store, 2);
      expect([...first, ...late, ...imported].map((r) => indexes.get(r.id))).toEqual([...Array(19).keys()]);
    } finally {
      await store.close();
    }
  });
});

describe.skipIf(!withPostgres)('sealing with concurrent writers on PostgreSQL', () => {
  const insert = (client: pg.Client, record: ReturnType<typeof makeRecord>) =>
    client.query(`INSERT INTO records (${RECORD_COLUMNS.join(', ')}) VALUES (${RECORD_COLUMNS.map((_, i) => `$${i + 1}`).join(', ')})`, rowValues(record));

  it('seals a transaction that commits late (its id the lower) only once it ended, and every record once', async () => {
    const db = await createTestDatabase();
    const store = await openStore(db);
    const early = new pg.Client({ connectionString: db });
    await early.connect();
    try {
      // The early transaction takes its id first and writes, but commits last.
      await early.query('BEGIN');
      await early.query('SELECT pg_current_xact_id()');
      const slow = makeRecord({ operTime: Date.now() });
      await insert(early, slow);
      const quick = Array.from({ length: 3 }, (_, i) => makeRecord({ operTime: Date.now() + i }));
      await store.insertBatch(quick);
      // A sequence or a timestamp would seal `quick` now and never go back for `slow`.
      expect(await store.integrity.seal(1000)).toBe(0);
      await early.query('COMMIT');
      // Another test's transaction still running (the whole cluster's oldest bounds a seal) only delays it.
      await expect.poll(() => store.integrity.seal(1000), { timeout: 20_000 }).toBe(4);
      const indexes = await leafIndexes(store, 2);
      expect([slow, ...quick].map((r) => indexes.get(r.id))).toEqual([0, 1, 2, 3]);

      // Writers and sealers at once: every committed record sealed exactly once.
      const writers = Array.from({ length: 5 }, async (_, w) => {
        for (let i = 0; i < 20; i++) await store.insertBatch(Array.from({ length: 5 }, (_, j) => makeRecord({ operTime: Date.now() + w * 1000 + i * 10 + j })));
      });
      let sealing = true;
      const sealers = Array.from({ length: 3 }, async () => {
        while (sealing) await store.integrity.seal(50);
      });
      await Promise.all(writers);
      sealing = false;
      await Promise.all(sealers);
      await sealEverything(store, () => store.integrity.seal(1000));
      const counts = await onDatabase(db, async (c) => (await c.query(
        `SELECT (SELECT count(*)::int FROM records) AS records, count(*)::int AS leaves, count(DISTINCT l.id)::int AS distinct_ids, max(t.first_leaf + l.n - 1)::int AS last
         FROM log_tiles t, json_array_elements_text(t.ids::json) WITH ORDINALITY AS l(id, n)`,
      )).rows[0]);
      expect(counts).toEqual({ records: 504, leaves: 504, distinct_ids: 504, last: 503 });
    } finally {
      await early.end().catch(() => undefined);
      await store.close();
    }
  }, 60_000);

  it('seals every copy of an id an import brought twice (at two times), even when a seal ends between them', async () => {
    const store = await openStore(await createTestDatabase());
    try {
      const base = Date.UTC(2022, 7, 20, 12);
      const twice = makeRecord({ operTime: base });
      // Its copies sort first in the import's transaction: the first seal of one record ends between them.
      const records = [twice, { ...twice, operTime: base + 60_000, httpStatus: 500 }, ...Array.from({ length: 3 }, (_, i) => makeRecord({ operTime: base + 1000 + i }))];
      records[1]!.id = twice.id;
      const session = await store.beginImport();
      await session.add(records);
      await session.commit();
      expect(await store.integrity.seal(1)).toBe(2);
      await sealEverything(store, async () => {
        while ((await store.integrity.seal(1)) > 0);
      });
      const sealed = [];
      for await (const leaf of store.integrity.leaves(2)) sealed.push(`${leaf.recordId}@${leaf.operTime}`);
      expect(sealed.sort()).toEqual(records.map((r) => `${r.id}@${r.operTime}`).sort());
      const unlogged = [];
      for await (const record of store.integrity.unlogged()) unlogged.push(record.id);
      expect(unlogged).toEqual([]);
    } finally {
      await store.close();
    }
  });

  it('lets one sealer work at a time, and another take over as soon as the first one is gone', async () => {
    const db = await createTestDatabase();
    const store = await openStore(db);
    const holder = new pg.Client({ connectionString: db });
    holder.on('error', () => undefined); // it is terminated on purpose
    await holder.connect();
    try {
      await store.insertBatch([makeRecord({ operTime: Date.now() })]);
      await holder.query('BEGIN');
      await holder.query('SELECT pg_advisory_xact_lock($1)', [SEALER_LOCK]);
      expect(await store.integrity.seal(1000)).toBe(0);
      const pid = (await holder.query<{ pid: number }>('SELECT pg_backend_pid() AS pid')).rows[0]!.pid;
      await onDatabase(db, (c) => c.query('SELECT pg_terminate_backend($1)', [pid]));
      await expect.poll(() => store.integrity.seal(1000), { timeout: 20_000 }).toBe(1);
    } finally {
      await holder.end().catch(() => undefined);
      await store.close();
    }
  }, 60_000);
});

describe('the checkpoint signing key file', () => {
  it('is created owner-only, sealed with the master key when one is set, and read back only with it', async () => {
    const { newLogKey, readLogKey, writeLogKey } = await import('../../src/integrity/key-file.js');
    const { readFileSync, statSync } = await import('node:fs');
    const path = join(tempDir(), 'keys', 'log-signing-key.json');
    const key = newLogKey();
    const warnings: string[] = [];
    writeLogKey(path, key, 'master-key-for-tests', (m) => warnings.push(m));
    expect(statSync(path).mode & 0o777).toBe(0o600);
    const file = JSON.parse(readFileSync(path, 'utf8')) as { name: string; privateKey: string };
    expect(file.name).toBe(key.note.name);
    expect(file.privateKey).toMatch(/^gcm1:/);
    expect(readLogKey(path, 'master-key-for-tests', () => undefined).note).toEqual(key.note);
    expect(() => readLogKey(path, undefined, () => undefined)).toThrow(/encrypted at rest: set CALLLOGS_MASTER_KEY/);
    expect(() => readLogKey(path, 'another-master-key', () => undefined)).toThrow(/CALLLOGS_MASTER_KEY is wrong/);
    expect(warnings).toEqual([]);
  });
});

describe('which instance signs', () => {
  it('the first key registered with the store; an instance without it, or with another, signs nothing and says why', async () => {
    const { logSigningKey } = await import('../../src/server/log-signing.js');
    const { existsSync } = await import('node:fs');
    const dir = tempDir();
    const store = await openStore(join(dir, 'signers.db'));
    try {
      const warnings: string[] = [];
      const warn = (m: string) => warnings.push(m);
      const first = await logSigningKey(store.integrity, join(dir, 'a.json'), undefined, warn);
      expect(first).toBeDefined();
      expect(existsSync(join(dir, 'a.json'))).toBe(true);
      expect((await logSigningKey(store.integrity, join(dir, 'a.json'), undefined, warn))?.note).toEqual(first!.note);
      expect(await logSigningKey(store.integrity, join(dir, 'b.json'), undefined, warn)).toBeUndefined();
      expect(existsSync(join(dir, 'b.json'))).toBe(false);
      expect(warnings.pop()).toMatch(/no log signing key at .*b\.json: this store's checkpoints are signed with calllogs-[0-9a-f]{6}\+.*copy that key file here/);
      const { newLogKey, writeLogKey } = await import('../../src/integrity/key-file.js');
      writeLogKey(join(dir, 'c.json'), newLogKey(), undefined, warn);
      expect(await logSigningKey(store.integrity, join(dir, 'c.json'), undefined, warn)).toBeUndefined();
      expect(warnings.pop()).toMatch(/c\.json is not the key this store's checkpoints are signed with/);
    } finally {
      await store.close();
    }
  });
});

describe('a failure to seal on SQLite', () => {
  it('never costs a record: the records stay waiting, and are sealed once the cause is gone', async () => {
    const path = join(tempDir(), 'seal-failure.db');
    const store = await openStore(path);
    try {
      await store.insertBatch([makeRecord({ operTime: Date.now() })]);
      expect(await store.integrity.seal(10)).toBe(1);
      // A stray row where the next leaves go makes the next seal fail.
      const { default: Database } = await import('better-sqlite3');
      const db = new Database(path);
      db.prepare("INSERT INTO log_tiles (vdn, first_leaf, min_time, max_time, ids, oper_times, digests) VALUES (2, 1, 0, 0, '[\"x\"]', '[0]', zeroblob(32))").run();
      const late = [makeRecord({ operTime: Date.now() + 1 }), makeRecord({ operTime: Date.now() + 2 })];
      await store.insertBatch(late);
      await expect(store.integrity.seal(10)).rejects.toThrow(/UNIQUE|PRIMARY KEY/);
      expect(await store.countRecords()).toBe(3);
      expect(await store.integrity.unsealedCount()).toBe(2);
      db.prepare('DELETE FROM log_tiles WHERE vdn = 2 AND first_leaf = 1').run();
      db.close();
      expect(await store.integrity.seal(10)).toBe(2);
      expect([...(await leafIndexes(store, 2)).values()]).toEqual([0, 1, 2]);
    } finally {
      await store.close();
    }
  });

  it('lets two threads seal one file at once: each record gets one leaf, in commit order', async () => {
    const path = join(tempDir(), 'two-sealers.db');
    const store = await openStore(path);
    // Each thread seals small batches until every record is in: their reads and writes interleave,
    // so some seals find the position moved by the other and store nothing.
    const sealerCode = `
      const { workerData, parentPort } = await import('node:worker_threads');
      const { openStore } = await import(workerData.open);
      const store = await openStore(workerData.path);
      let sealed = 0;
      while (sealed < workerData.total) {
        sealed += await store.integrity.seal(7);
        if ((await store.integrity.unsealedCount()) === 0 && (await store.countRecords()) === workerData.total) break;
      }
      await store.close();
      parentPort.postMessage(sealed);`;
    try {
      const records = Array.from({ length: 600 }, (_, i) => makeRecord({ operTime: Date.now() + i }));
      const open = new URL('../../dist/store/open.js', import.meta.url).href;
      const sealers = Array.from({ length: 2 }, () => {
        const worker = new Worker(sealerCode, { eval: true, workerData: { open, path, total: records.length } });
        return new Promise<number>((resolve, reject) => worker.once('message', resolve).once('error', reject));
      });
      for (let i = 0; i < records.length; i += 20) {
        await store.insertBatch(records.slice(i, i + 20));
        await new Promise((resolve) => setTimeout(resolve, 1));
      }
      const counts = await Promise.all(sealers);
      expect(counts[0]! + counts[1]!).toBe(records.length);
      expect(await store.integrity.unsealedCount()).toBe(0);
      const indexes = await leafIndexes(store, 2);
      expect(records.map((r) => indexes.get(r.id))).toEqual([...Array(records.length).keys()]);
    } finally {
      await store.close();
    }
  });
});
