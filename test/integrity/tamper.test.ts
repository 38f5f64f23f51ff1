import Database from 'better-sqlite3';
import type { FastifyBaseLogger } from 'fastify';
import { join } from 'node:path';
import { pino } from 'pino';
import { describe, expect, it } from 'vitest';
import { parseJson } from '../../src/contract/proof.js';
import type { CallRecord } from '../../src/contract/record.js';
import { formatVerifierKey, signedNote } from '../../src/integrity/checkpoint.js';
import { generateSigningKey, signMessage, type LogSigningKey } from '../../src/integrity/node-crypto.js';
import { Sealer } from '../../src/server/sealer.js';
import { openStore } from '../../src/store/open.js';
import { runCli } from '../helpers/cli.js';
import { createTestDatabase, onDatabase, postgresAvailable } from '../helpers/pg.js';
import { makeRecord } from '../helpers/records.js';
import { tempDir } from '../helpers/tmp.js';
import { sealEverything } from '../helpers/sealing.js';

const withPostgres = await postgresAvailable();
const DAY = 86_400_000;
const silent = pino({ level: 'silent' }) as unknown as FastifyBaseLogger;

type Exec = (sql: string, params?: unknown[]) => Promise<Record<string, unknown>[]>;

interface Store {
  name: string;
  db: () => Promise<string>;
  exec: (db: string) => Exec;
  /** An INSERT that places a record among the sealed ones, as an intruder with database access can. */
  insertBehind: string;
}

const stores: Store[] = [
  {
    name: 'SQLite',
    db: async () => join(tempDir(), 'logs.db'),
    exec: (db) => async (sql, params = []) => {
      const conn = new Database(db);
      try {
        const statement = conn.prepare(sql);
        return statement.reader ? (statement.all(...params) as Record<string, unknown>[]) : (statement.run(...params), []);
      } finally {
        conn.close();
      }
    },
    insertBehind: `INSERT INTO records (rowid, id, vdn, oper_time, url, request, result_code, result_desc, http_status, type)
      SELECT -1, '100000000000000000000000000001', vdn, oper_time, url, request, result_code, 'invented', http_status, type FROM records LIMIT 1`,
  },
  ...(withPostgres ? [{
    name: 'PostgreSQL',
    db: createTestDatabase,
    exec: (db: string): Exec => (sql, params = []) => {
      let n = 0;
      return onDatabase(db, async (c) => (await c.query(sql.replace(/\?/g, () => `$${++n}`), params)).rows);
    },
    insertBehind: `INSERT INTO records (seal_txid, id, vdn, oper_time, url, request, result_code, result_desc, http_status, type)
      SELECT '1', '100000000000000000000000000001', vdn, oper_time, url, request, result_code, 'invented', http_status, type FROM records LIMIT 1`,
  }] : []),
];

/** 600 records of VDN 2 over three days, 40 of VDN 3, 20 naming no VDN; sealed and signed. */
function fixture(now: number): CallRecord[] {
  return [
    ...Array.from({ length: 600 }, (_, i) => makeRecord({ vdnId: 2, operTime: now - (i < 300 ? 3 * DAY : 0) + i, resultDesc: `desc-${i}` })),
    ...Array.from({ length: 40 }, (_, i) => makeRecord({ vdnId: 3, operTime: now + i, resultDesc: `vdn3-${i}` })),
    ...Array.from({ length: 20 }, (_, i) => makeRecord({ vdnId: null, operTime: now + i, resultDesc: `none-${i}` })),
  ];
}

async function sealAndSign(db: string, key: LogSigningKey, records: CallRecord[]): Promise<void> {
  const store = await openStore(db);
  try {
    await store.insertBatch(records);
    await store.integrity.registerKey(formatVerifierKey(key.note));
    const sealer = new Sealer(store.integrity, { key, sealIntervalMs: 1000, checkpointIntervalMs: 10_000, log: silent });
    await sealEverything(store, () => sealer.run(true));
  } finally {
    await store.close();
  }
}

const verify = (db: string, key: LogSigningKey, extra: string[] = []) =>
  runCli(['verify', '--db', db, '--public-key', formatVerifierKey(key.note), ...extra]);

describe.each(stores)('tamper-evident logs on $name', (store) => {
  const setUp = async () => {
    const db = await store.db();
    const key = generateSigningKey('calllogs-test');
    const records = fixture(Date.now());
    await sealAndSign(db, key, records);
    return { db, key, records, exec: store.exec(db) };
  };
  const expectFailure = async (db: string, key: LogSigningKey, message: RegExp, extra: string[] = []) => {
    const result = await verify(db, key, extra);
    expect(result.stderr).toMatch(message);
    expect(result.code).toBe(1);
    expect(result.stderr.trim().split('\n')).toHaveLength(1);
  };

  it('verifies an untouched store: every log, its records and its signed checkpoint', async () => {
    const { db, key } = await setUp();
    const result = await verify(db, key);
    expect(result.stderr).toBe('');
    expect(result.code).toBe(0);
    expect(result.stdout).toBe([
      'verified: 20 records, leaves 0..19 of no VDN, checkpoint size 20',
      'verified: 600 records, leaves 0..599 of VDN 2, checkpoint size 600',
      'verified: 40 records, leaves 0..39 of VDN 3, checkpoint size 40',
      `verified: 660 records in 3 logs with ${formatVerifierKey(key.note)}`,
      '',
    ].join('\n'));
  }, 60_000);

  it('names a record whose field was changed', async () => {
    const { db, key, records, exec } = await setUp();
    await exec("UPDATE records SET result_desc = 'all fine' WHERE id = ?", [records[123]!.id]);
    await expectFailure(db, key, new RegExp(`record ${records[123]!.id} \\(leaf \\d+ of VDN 2\\) was changed after it was sealed`));
  }, 60_000);

  it('names a deleted record', async () => {
    const { db, key, records, exec } = await setUp();
    await exec('DELETE FROM records WHERE id = ?', [records[450]!.id]);
    await expectFailure(db, key, new RegExp(`record ${records[450]!.id} \\(leaf \\d+ of VDN 2\\), received \\S+, is missing: it was deleted`));
  }, 60_000);

  it('names a record inserted among the sealed ones', async () => {
    const { db, key, exec } = await setUp();
    await exec(store.insertBehind);
    await expectFailure(db, key, /record 100000000000000000000000000001 \(VDN 2\) is in no log though older than the sealed position/);
  }, 60_000);

  it("detects two records' contents swapped", async () => {
    const { db, key, records, exec } = await setUp();
    const [a, b] = [records[10]!, records[20]!];
    await exec('UPDATE records SET result_desc = CASE WHEN id = ? THEN ? ELSE ? END WHERE id IN (?, ?)', [a.id, b.resultDesc, a.resultDesc, a.id, b.id]);
    await expectFailure(db, key, /record \d{30} \(leaf \d+ of VDN 2\) was changed after it was sealed/);
  }, 60_000);

  it('names a record moved to another VDN', async () => {
    const { db, key, records, exec } = await setUp();
    await exec('UPDATE records SET vdn = 3 WHERE id = ?', [records[5]!.id]);
    await expectFailure(db, key, new RegExp(`record ${records[5]!.id} \\(leaf \\d+ of VDN 2\\) was moved to VDN 3`));
  }, 60_000);

  it('refuses a checkpoint re-signed with another key, and a leaf rewritten to match a changed record', async () => {
    const { db, key, records, exec } = await setUp();
    const [{ checkpoint }] = await exec('SELECT checkpoint FROM log_heads WHERE vdn = 3') as [{ checkpoint: string }];
    const text = checkpoint.slice(0, checkpoint.indexOf('\n\n') + 1);
    const forger = generateSigningKey(key.note.name);
    await exec('UPDATE log_heads SET checkpoint = ? WHERE vdn = 3', [signedNote(text, forger.note, signMessage(forger, new TextEncoder().encode(text)))]);
    await expectFailure(db, key, /VDN 3: checkpoint: not signed by the pinned key calllogs-test\+/);

    // Put the checkpoint back; change a record and its leaf's digest together: the tree no longer
    // hashes to the signed root.
    await exec('UPDATE log_heads SET checkpoint = ? WHERE vdn = 3', [checkpoint]);
    const forged = { ...records[600]!, resultDesc: 'forged' };
    const { recordDigest } = await import('../../src/integrity/leaf.js');
    const { nodeHashing } = await import('../../src/integrity/node-crypto.js');
    await exec("UPDATE records SET result_desc = 'forged' WHERE id = ?", [forged.id]);
    const [part] = await exec('SELECT first_leaf, ids, digests FROM log_tiles WHERE vdn = 3 AND ids LIKE ?', [`%"${forged.id}"%`]) as [{ first_leaf: number; ids: string; digests: Uint8Array }];
    const digests = Buffer.from(part.digests);
    digests.set(recordDigest(nodeHashing, forged), 32 * (JSON.parse(part.ids) as string[]).indexOf(forged.id));
    await exec('UPDATE log_tiles SET digests = ? WHERE vdn = 3 AND first_leaf = ?', [digests, part.first_leaf]);
    await expectFailure(db, key, /VDN 3: its first 40 leaves do not hash to the root of its signed checkpoint/);
  }, 60_000);

  it('detects the latest records and their checkpoints deleted, given a checkpoint saved earlier', async () => {
    const { db, key, exec } = await setUp();
    const [before] = await exec('SELECT size, frontier, checkpoint FROM log_heads WHERE vdn = 2') as [{ size: number; frontier: Uint8Array; checkpoint: string }];
    const later = Array.from({ length: 100 }, (_, i) => makeRecord({ vdnId: 2, operTime: Date.now() + 1000 + i }));
    await sealAndSign(db, key, later);
    // A witness saved the newest checkpoints (GET /checkpoints/latest answers the same).
    const saved = join(tempDir(), 'saved.json');
    const heads = await exec('SELECT vdn, checkpoint FROM log_heads') as { vdn: number; checkpoint: string }[];
    const { writeFileSync } = await import('node:fs');
    writeFileSync(saved, JSON.stringify({ checkpoints: heads.map((h) => ({ checkpoint: h.checkpoint })) }));
    expect((await verify(db, key, ['--since', saved])).code).toBe(0);

    // The intruder removes the 100 and puts the log's head and checkpoint back as they were.
    for (const record of later) await exec('DELETE FROM records WHERE id = ?', [record.id]);
    await exec('DELETE FROM log_tiles WHERE vdn = 2 AND first_leaf >= 600');
    await exec('UPDATE log_heads SET size = ?, frontier = ?, checkpoint = ?, checkpoint_size = ? WHERE vdn = 2',
      [before.size, before.frontier, before.checkpoint, before.size]);
    expect((await verify(db, key)).code).toBe(0); // consistent by itself: only the saved checkpoint tells
    await expectFailure(db, key, /VDN 2: the log has 600 leaves, fewer than the 700 of the checkpoint saved earlier: it was truncated/, ['--since', saved]);
  }, 60_000);

  it('still verifies after retention removed the oldest records, and keeps none of their access keys or addresses', async () => {
    const { db, key, records, exec } = await setUp();
    const live = await openStore(db);
    try {
      expect(await live.removeBefore(Date.now() - DAY)).toBeGreaterThan(0);
      // A proof of the whole log carries the extra fields of the records kept, and of no other.
      const kept = records.filter((r) => r.vdnId === 2).slice(300);
      const { leaves, extraFields: extras } = await live.integrity.proofLeaves(2, 0, 600);
      expect(leaves).toEqual(await live.integrity.leafColumns(2, 0, 600));
      expect(parseJson(extras.ids)).toEqual(kept.map((r) => r.id));
      expect(parseJson(extras.clientIp)).toEqual(kept.map((r) => r.clientIp));
    } finally {
      await live.close();
    }
    const tiles = await exec('SELECT oper_times, aks, client_ips, durations FROM log_tiles WHERE vdn = 2 ORDER BY first_leaf');
    const horizon = Date.now() - DAY;
    for (const tile of tiles) {
      const times = JSON.parse(tile.oper_times as string) as number[];
      for (const column of ['aks', 'client_ips', 'durations']) {
        const values = tile[column] === null ? times.map(() => null) : JSON.parse(tile[column] as string) as unknown[];
        expect(values.filter((value, i) => times[i]! < horizon && value !== null)).toEqual([]);
      }
    }
    expect(tiles.map((tile) => tile.aks === null)).toEqual([true, false, false]);
    const result = await verify(db, key);
    expect(result.stderr).toBe('');
    expect(result.stdout).toContain('verified: 600 records, leaves 0..599 of VDN 2, checkpoint size 600, 300 removed by retention');
  }, 60_000);
});
