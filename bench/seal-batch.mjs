// How many records a seal should take on each store (build first: npm run build): a backlog of
// --records imported records (the benchmark sequence: 100 VDNs) sealed in batches of each --sizes,
// alternating --rounds times on fresh copies of the same store. On SQLite a writer on another
// thread commits a one-row transaction every 2 ms meanwhile, as the batching writer would: how
// long it waits for the sealer's write lock is what a larger batch costs a --durable call.
// Usage: node bench/seal-batch.mjs [--records 200000] [--rounds 3] [--sizes 2000,10000] [--pg URL]
import { copyFileSync, mkdtempSync, rmSync } from 'node:fs';
import { cpus, tmpdir, totalmem } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { Worker } from 'node:worker_threads';
import pg from 'pg';
import { openStore } from '../dist/store/open.js';
import { startCpuMeter } from './lib/cpu-meter.mjs';
import { fillStore } from './lib/fill.mjs';

const { values } = parseArgs({
  options: {
    records: { type: 'string', default: '200000' },
    rounds: { type: 'string', default: '3' },
    sizes: { type: 'string', default: '2000,10000' },
    pg: { type: 'string', default: 'postgres://postgres@127.0.0.1:5432/postgres' },
  },
});
const N = Number(values.records);
const ROUNDS = Number(values.rounds);
const SIZES = values.sizes.split(',').map(Number);
const fmt = (n) => Math.round(n).toLocaleString('en-US');
const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
const quantile = (xs, q) => [...xs].sort((a, b) => a - b)[Math.min(xs.length - 1, Math.floor(q * xs.length))];
const dir = mkdtempSync(join(tmpdir(), 'calllogs-seal-batch-'));

async function importInto(url) {
  const store = await openStore(url);
  await fillStore(store, { count: N });
  await store.close();
}

/** Seals everything waiting in batches of `size`: records per second, and the CPU µs a record (this process; PostgreSQL's). */
async function sealAll(url, size) {
  const store = await openStore(url);
  const started = performance.now();
  const cpu = startCpuMeter();
  let sealed = 0;
  for (let n; (n = await store.integrity.seal(size)) > 0;) sealed += n;
  const rate = sealed / ((performance.now() - started) / 1000);
  const used = cpu();
  await store.close();
  return { rate, node: used.node / sealed, postgres: used.postgres === undefined ? undefined : used.postgres / sealed };
}

// The probe: its own connection, a one-row write transaction every 2 ms, each one's wait kept.
const PROBE = `
const { parentPort, workerData } = require('node:worker_threads');
const Database = require(workerData.module);
const db = new Database(workerData.path, { timeout: 60000 });
db.exec('CREATE TABLE IF NOT EXISTS bench_probe (at REAL)');
const write = db.prepare('INSERT INTO bench_probe VALUES (?)');
const waits = [];
let stop = false;
parentPort.on('message', () => { stop = true; });
(function tick() {
  if (stop) { db.close(); parentPort.postMessage(waits); return; }
  const t = performance.now();
  db.transaction(() => write.run(t)).immediate();
  waits.push(performance.now() - t);
  setTimeout(tick, 2);
})();`;
const betterSqlite3 = new URL('../node_modules/better-sqlite3/lib/index.js', import.meta.url).pathname;

async function sealSqliteWithProbe(path, size) {
  const probe = new Worker(PROBE, { eval: true, workerData: { path, module: betterSqlite3 } });
  const { rate } = await sealAll(path, size);
  const waits = await new Promise((resolve) => {
    probe.once('message', resolve);
    probe.postMessage('stop');
  });
  await probe.terminate();
  return { rate, waits };
}

async function adminQuery(sql) {
  const client = new pg.Client({ connectionString: values.pg });
  await client.connect();
  try {
    await client.query(sql);
  } finally {
    await client.end();
  }
}
const pgUrl = (name) => Object.assign(new URL(values.pg), { pathname: `/${name}` }).toString();

console.log(`machine: ${cpus().length} x ${cpus()[0].model}, ${Math.round(totalmem() / 2 ** 30)} GiB, node ${process.version}`);
console.log(`sealing a backlog of ${fmt(N)} imported records in batches of ${SIZES.map(fmt).join(' and ')}, ${ROUNDS} alternating rounds`);
const base = `calllogs_seal_batch_${process.pid}`;
try {
  const sqliteBase = join(dir, 'base.db');
  await importInto(sqliteBase);
  await adminQuery(`CREATE DATABASE ${base}`);
  await importInto(pgUrl(base));
  const rates = { sqlite: new Map(SIZES.map((s) => [s, []])), postgres: new Map(SIZES.map((s) => [s, []])) };
  for (let round = 1; round <= ROUNDS; round++) {
    for (const size of SIZES) {
      const copy = join(dir, `r${round}-${size}.db`);
      copyFileSync(sqliteBase, copy);
      const { rate, waits } = await sealSqliteWithProbe(copy, size);
      rmSync(copy);
      rates.sqlite.get(size).push(rate);
      console.log(`   sqlite   round ${round}, ${fmt(size).padStart(6)} a seal: ${fmt(rate)} records/s; a writer beside it waited p50 ${quantile(waits, 0.5).toFixed(1)} ms, p99 ${quantile(waits, 0.99).toFixed(1)} ms, at most ${Math.max(...waits).toFixed(1)} ms`);
      await adminQuery(`CREATE DATABASE ${base}_copy TEMPLATE ${base}`);
      const { rate: pgRate, node, postgres } = await sealAll(pgUrl(`${base}_copy`), size);
      await adminQuery(`DROP DATABASE ${base}_copy WITH (FORCE)`);
      rates.postgres.get(size).push(pgRate);
      console.log(`   postgres round ${round}, ${fmt(size).padStart(6)} a seal: ${fmt(pgRate)} records/s; CPU a record ${node.toFixed(1)} µs here`
        + (postgres === undefined ? '' : `, ${postgres.toFixed(1)} µs PostgreSQL's`));
    }
  }
  const [first, ...others] = SIZES;
  for (const kind of ['sqlite', 'postgres']) {
    for (const size of others) {
      const ratios = rates[kind].get(size).map((rate, i) => rate / rates[kind].get(first)[i]);
      console.log(`   ${kind.padEnd(8)} ${fmt(size)} ÷ ${fmt(first)} a seal, median of rounds: ${(100 * median(ratios)).toFixed(1)} % (rounds: ${ratios.map((r) => (100 * r).toFixed(0)).join(', ')})`);
    }
  }
} finally {
  await adminQuery(`DROP DATABASE IF EXISTS ${base}_copy WITH (FORCE)`);
  await adminQuery(`DROP DATABASE IF EXISTS ${base} WITH (FORCE)`);
  rmSync(dir, { recursive: true, force: true });
}
