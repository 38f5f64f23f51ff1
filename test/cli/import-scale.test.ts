import { execFile, spawn } from 'node:child_process';
import { createWriteStream, statSync, writeFileSync } from 'node:fs';
import { once } from 'node:events';
import { join } from 'node:path';
import { promisify } from 'node:util';
import Database from 'better-sqlite3';
import { Temporal } from 'temporal-polyfill';
import { Agent, request } from 'undici';
import { describe, expect, it } from 'vitest';
import { signRequest } from '../../src/auth/sign-request.js';
import { toRecordLine } from '../../src/contract/record.js';
import { generateRecords } from '../../bench/lib/generate.mjs';
import { CLI, runCli, startServe } from '../helpers/cli.js';
import { createTestDatabase, onDatabase, postgresAvailable } from '../helpers/pg.js';
import { calllogsPath, queryBody } from '../helpers/server.js';
import { tempDir } from '../helpers/tmp.js';

// Issue #15: imports that span many new days never block themselves, even while a server writes
// live traffic to the same store; a killed import leaves nothing; errors name their line.

const withPostgres = await postgresAvailable();
const STORES = [
  { name: 'sqlite', skip: false, db: async () => join(tempDir(), 'calllogs.db') },
  { name: 'postgres', skip: !withPostgres, db: createTestDatabase },
];

const DAY = 86_400_000;
const ZONE = 'Europe/Berlin';
const key = { ak: 'ak-import-test', sk: 'sk-import-test-secret' };
const agent = new Agent({ connections: 8 });
const run = promisify(execFile);

/** Fails the test with a message instead of hanging it. */
async function within<T>(ms: number, what: string, work: Promise<T>): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const late = new Promise<never>((_, reject) => (timer = setTimeout(() => reject(new Error(`${what}: still running after ${ms} ms`)), ms)));
  try {
    return await Promise.race([work, late]);
  } finally {
    clearTimeout(timer);
  }
}

interface Line {
  id: string;
  operTime: number;
  vdnId: number;
  url: string;
}

/**
 * `perDay` records on each of `days` (UTC day numbers), their operTime written in Berlin time
 * (offsets +01:00 and +02:00 on either side of a DST change), in the order an export writes
 * (VDN by VDN, then time) so the import's day changes at every step.
 */
function writeInput(path: string, days: number[], perDay: number, seed: number): Line[] {
  const lines: Line[] = [];
  for (const day of days) {
    for (let i = 0; i < perDay; i += 1) {
      const operTime = day * DAY + Math.floor((i * DAY) / perDay) + (seed % 997);
      const vdnId = 2 + (i % 3);
      const id = `${operTime}${String(seed).padStart(6, '0')}${String(i).padStart(11, '0')}`;
      lines.push({ id, operTime, vdnId, url: `/rest/isales/v1/openapi/campaigns/${vdnId}/456/pause` });
    }
  }
  lines.sort((a, b) => a.vdnId - b.vdnId || a.operTime - b.operTime);
  const text = lines.map((l) => JSON.stringify({
    id: l.id, vdnId: l.vdnId, url: l.url, request: `{"vdnId":${l.vdnId}}`, resultCode: l.operTime % 7 ? '0200000' : '0200500',
    resultDesc: 'ok', httpStatus: l.operTime % 7 ? 200 : 500, type: 'PUT',
    operTime: Temporal.Instant.fromEpochMilliseconds(l.operTime).toZonedDateTimeISO(ZONE).toString({ timeZoneName: 'never', smallestUnit: 'millisecond' }),
  })).join('\n');
  writeFileSync(path, text + '\n');
  return lines;
}

/** Signed calllogs queries (each one recorded) until `stop` resolves; returns how many were answered. */
async function liveTraffic(endpoint: string, stop: Promise<unknown>): Promise<number> {
  let running = true;
  void stop.finally(() => (running = false));
  let answered = 0;
  await Promise.all(Array.from({ length: 4 }, async () => {
    while (running) {
      const url = endpoint + calllogsPath(2);
      const body = JSON.stringify(queryBody({ limit: 1 }));
      const headers = signRequest({ ...key, method: 'POST', url, headers: { 'content-type': 'application/json' }, body });
      const response = await request(url, { method: 'POST', headers, body, dispatcher: agent });
      await response.body.text();
      expect(response.statusCode).toBe(200);
      answered += 1;
    }
  }));
  return answered;
}

async function exported(db: string): Promise<{ id: string; url: string; vdnId: number | null; operTime: string }[]> {
  const out = await runCli(['export', '--db', db]);
  expect(out.code).toBe(0);
  return out.stdout.trim().split('\n').filter(Boolean).map((l) => JSON.parse(l));
}

const fmt = (ms: number) => new Date(ms).toISOString().slice(0, 19).replace('T', ' ');

for (const store of STORES) describe.skipIf(store.skip)(`calllogs import at scale (${store.name})`, () => {
  it('loads files spanning many new days, past and future and across a DST change, in one batch and in many, while a server writes live traffic', async () => {
    const db = await store.db();
    expect((await runCli(['keys', 'create', '--all-vdns', '--ak', key.ak, '--sk', key.sk, '--db', db])).code).toBe(0);
    const dir = tempDir();
    const server = await startServe(['--db', db, '--tz', ZONE, '--spill-dir', join(dir, 'spill')]);
    const today = Math.floor(Date.now() / DAY);
    // 2025-03-20 … 2025-04-10 (Berlin changes to summer time on 2025-03-30), today, and days ahead.
    const dst = Math.floor(Date.UTC(2025, 2, 20) / DAY);
    const days = [...Array.from({ length: 22 }, (_, i) => dst + i), today, ...Array.from({ length: 20 }, (_, i) => today + 5 + i)];
    const small = writeInput(join(dir, 'small.ndjson'), days, 40, 1); // 1,720 records: one batch
    const large = writeInput(join(dir, 'large.ndjson'), days, 1500, 2); // 64,500 records: many batches and COPY statements
    try {
      let stopTraffic!: () => void;
      const stopped = new Promise<void>((resolve) => (stopTraffic = resolve));
      const traffic = liveTraffic(server.endpoint, stopped);
      await new Promise((resolve) => setTimeout(resolve, 300));
      for (const file of ['small.ndjson', 'large.ndjson']) {
        const result = await within(60_000, `import ${file}`, runCli(['import', join(dir, file), '--db', db]));
        expect(result, result.stderr).toMatchObject({ code: 0 });
      }
      stopTraffic();
      const answered = await traffic;
      expect(answered).toBeGreaterThan(0);
      expect(await server.stop()).toBe(0);

      // Every imported record once, every live call once.
      const records = await exported(db);
      const ids = new Set(records.map((r) => r.id));
      expect(ids.size).toBe(records.length);
      for (const line of [...small, ...large]) expect(ids.has(line.id), line.id).toBe(true);
      expect(records.filter((r) => r.url === calllogsPath(2)).length).toBe(answered);
      expect(records.length).toBe(small.length + large.length + answered);

      // The server reads the window in Berlin time: the day of the change has 23 hours, counted exactly.
      const again = await startServe(['--db', db, '--tz', ZONE, '--spill-dir', join(dir, 'spill2')]);
      try {
        const url = again.endpoint + calllogsPath(3);
        const body = JSON.stringify(queryBody({ beginTime: '2025-03-30 00:00:00', endTime: '2025-03-30 23:59:59', limit: 1 }));
        const headers = signRequest({ ...key, method: 'POST', url, headers: { 'content-type': 'application/json' }, body });
        const answer = (await (await request(url, { method: 'POST', headers, body, dispatcher: agent })).body.json()) as { count: number };
        const from = Date.UTC(2025, 2, 29, 23);
        const to = Date.UTC(2025, 2, 30, 22);
        expect(answer.count).toBe([...small, ...large].filter((l) => l.vdnId === 3 && l.operTime >= from && l.operTime < to).length);
      } finally {
        await again.stop();
      }
    } finally {
      await server.stop().catch(() => undefined);
    }
  }, 180_000);

  it('a duplicated id names its line, blank lines counted, and nothing is imported', async () => {
    const db = await store.db();
    const dir = tempDir();
    const lines = writeInput(join(dir, 'in.ndjson'), [Math.floor(Date.UTC(2024, 0, 10) / DAY), Math.floor(Date.UTC(2024, 0, 11) / DAY)], 3, 3);
    const text = lines.map((l) => JSON.stringify({ ...l, request: '{}', resultCode: '0200000', resultDesc: '', httpStatus: 200, type: 'GET', operTime: new Date(l.operTime).toISOString() }));
    // Line 6 repeats line 2's record; lines 3 and 4 are blank.
    const input = [text[0], text[1], '', '', text[2], text[1], text[3]].join('\n');
    const result = await runCli(['import', '-', '--db', db], { input });
    expect(result).toMatchObject({ code: 1, stderr: `calllogs: error: line 6: id: ${lines[1]!.id} appears earlier in the input; nothing was imported\n` });
    expect(await exported(db)).toEqual([]);
    expect((await runCli(['import', '-', '--db', db], { input: text.join('\n') })).code).toBe(0);
    const stored = await runCli(['import', '-', '--db', db], { input: ['', text[4]].join('\n') });
    expect(stored.stderr).toBe(`calllogs: error: line 2: id: ${lines[4]!.id} is already stored; nothing was imported\n`);
  });

  it('a killed import (kill -9, mid-load) leaves nothing behind, and the same file then loads', async () => {
    const db = await store.db();
    const dir = tempDir();
    const file = join(dir, 'big.ndjson');
    const out = createWriteStream(file);
    for (const r of generateRecords({ count: 200_000, days: 20, endMs: Date.UTC(2024, 5, 1), seed: 9 })) {
      if (!out.write(JSON.stringify(toRecordLine(r)) + '\n')) await once(out, 'drain');
    }
    out.end();
    await once(out, 'finish');
    // The store's own schema and partitions ahead exist before the import starts.
    expect((await runCli(['keys', 'list', '--db', db])).code).toBe(0);
    const before = await tablesOf(db);

    const child = spawn(process.execPath, [CLI, 'import', file, '--db', db], { stdio: 'ignore' });
    const exited = new Promise((resolve) => child.once('exit', resolve));
    // Mid-load: records are flowing into the store (COPY running / the WAL growing).
    await within(30_000, 'waiting for the import to load', (async () => {
      while (!(await loading(db))) await new Promise((resolve) => setTimeout(resolve, 20));
    })());
    child.kill('SIGKILL');
    await exited;

    expect(await exported(db)).toEqual([]);
    expect(await tablesOf(db)).toEqual(before);
    const again = await within(120_000, 'the import after the kill', runCli(['import', file, '--db', db]));
    expect(again.code, again.stderr).toBe(0);
    expect((await exported(db)).length).toBe(200_000);
  }, 180_000);
});

/** Is an import writing records right now? */
async function loading(db: string): Promise<boolean> {
  if (db.startsWith('postgres')) {
    return onDatabase(db, async (c) => ((await c.query("SELECT 1 FROM pg_stat_activity WHERE query LIKE 'COPY records%' AND state = 'active'")).rowCount ?? 0) > 0);
  }
  try {
    return statSync(`${db}-wal`).size > 8 * 1024 * 1024;
  } catch {
    return false;
  }
}

/** The store's tables and indexes (a killed import must not leave a partition or index of its own). */
async function tablesOf(db: string): Promise<string[]> {
  if (db.startsWith('postgres')) {
    return onDatabase(db, async (c) => (await c.query<{ name: string }>(
      "SELECT relname AS name FROM pg_class WHERE relnamespace = 'public'::regnamespace AND relkind IN ('r', 'p', 'i', 'I') ORDER BY 1",
    )).rows.map((r) => r.name));
  }
  const sqlite = new Database(db, { readonly: true });
  try {
    return (sqlite.prepare("SELECT name FROM sqlite_master WHERE type IN ('table', 'index') ORDER BY 1").pluck().all() as string[]);
  } finally {
    sqlite.close();
  }
}

describe('progress', () => {
  it('shows a bar with bytes read, records/s and an ETA on a terminal, and one summary line when piped', async () => {
    const dir = tempDir();
    const file = join(dir, 'in.ndjson');
    writeInput(file, [Math.floor(Date.UTC(2024, 2, 1) / DAY)], 30_000, 4);
    const db = join(dir, 'p.db');
    // `script` gives the command a terminal; its output is what the terminal showed.
    const { stdout } = await run('script', ['-qfec', `${process.execPath} ${CLI} import ${file} --db ${db}`, '/dev/null'], { env: { ...process.env, COLUMNS: '160' } });
    expect(stdout).toMatch(/importing \[.*\] \d+% \| [\d.]+ MiB of [\d.]+ MiB \| \d+ records, \d+ records\/s \| ETA/);
    expect(stdout).toMatch(/imported 30000 records in [\d.]+ s \(\d+ records\/s\)/);
    const piped = await runCli(['import', file, '--db', join(dir, 'q.db')]);
    expect(piped.stderr).toMatch(/^imported 30000 records in [\d.]+ s \(\d+ records\/s\)\n$/);
  }, 60_000);
});

describe.skipIf(!withPostgres)('moving a store from SQLite to PostgreSQL', () => {
  it('export --db sqlite piped to import --db postgres:// carries every record and every count', async () => {
    const dir = tempDir();
    const sqlite = join(dir, 'from.db');
    const source = join(dir, 'source.ndjson');
    const out = createWriteStream(source);
    for (const r of generateRecords({ count: 20_000, days: 10, endMs: Date.UTC(2025, 5, 1), seed: 5 })) out.write(JSON.stringify(toRecordLine(r)) + '\n');
    out.write(JSON.stringify({ vdnId: null, operTime: '2025-05-30T01:02:03.004+00:00', url: '/rest/isales/v1/openapi/obs/business/tasks', request: '{}', resultCode: '0200000', resultDesc: '', httpStatus: 200, type: 'POST' }) + '\n');
    out.end();
    await once(out, 'finish');
    expect((await runCli(['import', source, '--db', sqlite])).code).toBe(0);
    const pg = await createTestDatabase();
    // The README's command, through a shell pipe.
    await run('bash', ['-o', 'pipefail', '-c', `${process.execPath} ${CLI} export --db ${sqlite} | ${process.execPath} ${CLI} import --db ${pg}`]);
    const [fromSqlite, fromPg] = await Promise.all([runCli(['export', '--db', sqlite]), runCli(['export', '--db', pg])]);
    expect(fromPg.stdout).toBe(fromSqlite.stdout);
    expect(fromPg.stdout.trim().split('\n')).toHaveLength(20_001);

    // The same query answers alike on both (counts come from the count structures).
    expect((await runCli(['keys', 'create', '--all-vdns', '--ak', key.ak, '--sk', key.sk, '--db', sqlite])).code).toBe(0);
    expect((await runCli(['keys', 'create', '--all-vdns', '--ak', key.ak, '--sk', key.sk, '--db', pg])).code).toBe(0);
    const servers = await Promise.all([
      startServe(['--db', sqlite, '--tz', 'UTC', '--spill-dir', join(dir, 's1')]),
      startServe(['--db', pg, '--tz', 'UTC', '--spill-dir', join(dir, 's2')]),
    ]);
    try {
      const answers = await Promise.all(servers.map(async (s) => {
        const url = s.endpoint + calllogsPath(1);
        const body = JSON.stringify(queryBody({ beginTime: fmt(Date.UTC(2025, 4, 25)), endTime: fmt(Date.UTC(2025, 5, 1) - 1000), offset: 1234, limit: 5 }));
        const headers = signRequest({ ...key, method: 'POST', url, headers: { 'content-type': 'application/json' }, body });
        return (await request(url, { method: 'POST', headers, body, dispatcher: agent })).body.json();
      }));
      expect(answers[1]).toEqual(answers[0]);
      expect((answers[0] as { count: number }).count).toBeGreaterThan(1234);
    } finally {
      await Promise.all(servers.map((s) => s.stop()));
    }
  }, 120_000);
});
