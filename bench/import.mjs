// Issue-15 benchmark: `calllogs import` against a raw load of the same file, both stores, one run.
// The input is an NDJSON file of --records records (as `calllogs export` writes them) spread over
// the 30 days before 2025-02-01. For each store:
//   baseline: the same file read with the same line reader and JSON.parse, loaded into a table
//             without any index in one transaction (SQLite: a prepared INSERT; PostgreSQL: COPY);
//   empty:    `calllogs import FILE --db …` (the real command, its own process) into a new store;
//   10M:      the same into a store holding --big records (30 days ending 2026-10-31: the import
//             adds older days, as moving history in does); the imported days are removed again
//             afterwards, so --keep DIR can reuse the big stores in a later run;
//   SQLite also: the engine's own cost of the same rows in that store — prepared INSERTs into its
//             records table with its three indexes, nothing else (no validation, no counts), in
//             one transaction that is rolled back (so without the commit's WAL writing).
// The three cases run --rounds times, interleaved; each ratio is import ÷ baseline records/s within
// a round, and the median round is reported with every round's figures. Build first: npm run build.
// Usage: node bench/import.mjs [--records 1000000] [--big 10000000] [--rounds 3] [--pg URL] [--keep DIR] [--only sqlite|postgres]
import Database from 'better-sqlite3';
import pg from 'pg';
import copyStreams from 'pg-copy-streams';
import { execFileSync } from 'node:child_process';
import { createReadStream, createWriteStream, existsSync, mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { cpus, tmpdir, totalmem } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { once } from 'node:events';
import { parseArgs } from 'node:util';
import { parseRecordLine, toRecordLine } from '../dist/contract/record.js';
import { copyLine } from '../dist/store/postgres/import.js';
import { PostgresStore } from '../dist/store/postgres/postgres-store.js';
import { SqliteStore } from '../dist/store/sqlite/sqlite-store.js';
import { fillStore } from './lib/fill.mjs';
import { generateRecords } from './lib/generate.mjs';

const { values } = parseArgs({
  options: {
    records: { type: 'string', default: '1000000' },
    big: { type: 'string', default: '10000000' },
    pg: { type: 'string', default: 'postgres://postgres@127.0.0.1:5432/postgres' },
    keep: { type: 'string' },
    only: { type: 'string' },
    rounds: { type: 'string', default: '3' },
  },
});
const N = Number(values.records);
const BIG = Number(values.big);
const ROUNDS = Number(values.rounds);
const IMPORT_END = Date.UTC(2025, 1, 1);
const BIG_END = Date.UTC(2026, 9, 31);
const CLI = new URL('../dist/cli/main.js', import.meta.url).pathname;
const dir = mkdtempSync(join(tmpdir(), 'calllogs-import-'));
const keep = values.keep ?? dir;
mkdirSync(keep, { recursive: true });
const fmt = (n) => Math.round(n).toLocaleString('en-US');
const run = (kind) => !values.only || values.only === kind;

console.log(`machine: ${cpus().length} x ${cpus()[0].model}, ${Math.round(totalmem() / 2 ** 30)} GiB, node ${process.version}`);

// The input file (not timed).
const file = join(dir, 'import.ndjson');
{
  const out = createWriteStream(file);
  for (const r of generateRecords({ count: N, endMs: IMPORT_END, seed: 7 })) {
    if (!out.write(JSON.stringify(toRecordLine(r)) + '\n')) await once(out, 'drain');
  }
  out.end();
  await once(out, 'finish');
}
const size = execFileSync('du', ['-h', file], { encoding: 'utf8' }).split('\t')[0];
console.log(`input: ${fmt(N)} records, ${size}, 30 days before 2025-02-01\n`);

/** The input's records as the import reads them: line by line, JSON.parse, the same row mapping. */
async function* rows() {
  for await (const line of createInterface({ input: createReadStream(file), crlfDelay: Infinity })) {
    if (line) yield parseRecordLine(JSON.parse(line));
  }
}

async function timed(work) {
  const started = performance.now();
  await work();
  return N / ((performance.now() - started) / 1000);
}

const importCli = (db) => timed(async () => void execFileSync(process.execPath, [CLI, 'import', file, '--db', db], { stdio: 'ignore' }));

const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
const pct = (x) => `${(100 * x).toFixed(1)} %`;

/** Runs the cases `ROUNDS` times, interleaved, and prints each with its ratio to the baseline. */
async function measure(kind, cases) {
  const results = Object.fromEntries(Object.keys(cases).map((name) => [name, []]));
  for (let round = 0; round < ROUNDS; round += 1) {
    for (const [name, work] of Object.entries(cases)) results[name].push(await work());
  }
  const ratios = (name) => results[name].map((r, i) => r / results.baseline[i]);
  console.log(kind);
  console.log(`  baseline (index-free table, one transaction)   ${fmt(median(results.baseline)).padStart(9)} records/s   rounds: ${results.baseline.map(fmt).join(', ')}`);
  const labels = [['empty', 'empty store'], ['big', `store of ${fmt(BIG)}`]];
  if (cases.raw) labels.push(['raw', `raw rows into ${fmt(BIG)} (ref.)`]);
  for (const [name, label] of labels) {
    console.log(`  ${name === 'raw' ? 'engine only' : 'calllogs import'}, ${label.padEnd(name === 'raw' ? 33 : 29)} ${fmt(median(results[name])).padStart(9)} records/s   ${pct(median(ratios(name)))} of baseline` +
      ` (rounds: ${ratios(name).map(pct).join(', ')})`);
  }
  console.log('');
}

if (run('sqlite')) {
  const bigPath = join(keep, `big-${BIG}.db`);
  if (!existsSync(bigPath)) {
    const store = SqliteStore.open(bigPath);
    await fillStore(store, { count: BIG, endMs: BIG_END, seed: 42 });
    await store.close();
  }
  await measure('SQLite', {
    baseline: () => timed(async () => {
      const path = join(dir, 'baseline.db');
      rmSync(path, { force: true });
      const db = new Database(path);
      db.pragma('journal_mode = WAL');
      db.exec('CREATE TABLE r (id TEXT, vdn INTEGER, oper_time INTEGER, url TEXT, request TEXT, result_code TEXT, result_desc TEXT, http_status INTEGER, type TEXT, ak TEXT, client_ip TEXT, duration_ms REAL)');
      const insert = db.prepare('INSERT INTO r VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)');
      db.exec('BEGIN');
      for await (const r of rows()) insert.run(r.id, r.vdnId ?? 0, r.operTime, r.url, r.request, r.resultCode, r.resultDesc, r.httpStatus, r.type, r.ak, r.clientIp, r.durationMs);
      db.exec('COMMIT');
      db.close();
    }),
    empty: () => {
      const path = join(dir, 'empty.db');
      for (const suffix of ['', '-wal', '-shm']) rmSync(path + suffix, { force: true });
      return importCli(path);
    },
    big: async () => {
      const rate = await importCli(bigPath);
      const store = SqliteStore.open(bigPath);
      await store.removeBefore(IMPORT_END);
      await store.close();
      return rate;
    },
    raw: () => timed(async () => {
      const db = new Database(bigPath);
      db.pragma('cache_size = -262144');
      const insert = db.prepare('INSERT INTO records (id, vdn, oper_time, url, request, result_code, result_desc, http_status, type, ak, client_ip, duration_ms) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)');
      db.exec('BEGIN');
      for await (const r of rows()) insert.run(r.id ?? `x${r.operTime}`, r.vdnId ?? 0, r.operTime, r.url, r.request, r.resultCode, r.resultDesc, r.httpStatus, r.type, r.ak, r.clientIp, r.durationMs);
      db.exec('ROLLBACK');
      db.close();
    }),
  });
}

if (run('postgres')) {
  const admin = new pg.Client({ connectionString: values.pg });
  await admin.connect();
  const urlOf = (name) => Object.assign(new URL(values.pg), { pathname: `/${name}` }).toString();
  const create = async (name) => {
    await admin.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
    await admin.query(`CREATE DATABASE ${name}`);
    return urlOf(name);
  };
  try {
    const bigName = `calllogs_import_big_${BIG}`;
    const exists = (await admin.query('SELECT 1 FROM pg_database WHERE datname = $1', [bigName])).rowCount > 0;
    if (!exists || !values.keep) {
      const store = await PostgresStore.open(await create(bigName));
      await fillStore(store, { count: BIG, endMs: BIG_END, seed: 42 });
      await store.close();
    }
    await measure('PostgreSQL', {
      baseline: async () => {
        const url = await create('calllogs_import_baseline');
        return timed(async () => {
          const client = new pg.Client({ connectionString: url });
          await client.connect();
          await client.query('BEGIN');
          await client.query('CREATE TABLE r (id text, vdn int, oper_time bigint, url text, request text, result_code text, result_desc text, http_status int, type text, ak text, client_ip text, duration_ms float8)');
          const copy = client.query(copyStreams.from('COPY r FROM STDIN'));
          let lines = [];
          for await (const r of rows()) {
            lines.push(copyLine({ ...r, id: r.id }));
            if (lines.length === 5000) {
              if (!copy.write(lines.join(''))) await once(copy, 'drain');
              lines = [];
            }
          }
          copy.end(lines.join(''));
          await once(copy, 'finish');
          await client.query('COMMIT');
          await client.end();
        });
      },
      empty: async () => importCli(await create('calllogs_import_empty')),
      big: async () => {
        const rate = await importCli(urlOf(bigName));
        const store = await PostgresStore.open(urlOf(bigName));
        await store.removeBefore(IMPORT_END);
        await store.close();
        return rate;
      },
    });
    for (const name of ['calllogs_import_baseline', 'calllogs_import_empty', ...(values.keep ? [] : [bigName])]) {
      await admin.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
    }
  } finally {
    await admin.end();
  }
}

rmSync(dir, { recursive: true, force: true });
