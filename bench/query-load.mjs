// Issue-2 benchmark, one run on this machine (build first: npm run build):
//   1. import N synthetic records (default 1,000,000) into a fresh SQLite store: records/s;
//   2. the batching writer's sustained records/s, next to raw batched inserts of the same records;
//   3. signed calllogs queries against a real `calllogs serve` process (autocannon): first page and
//      a deep page of the hot VDN's 7-day window, next to a baseline that exercises HTTP and
//      recording but neither signature nor store (a 405 answer) in the same run.
// Usage: node bench/query-load.mjs [--records N] [--duration S] [--connections C]
import autocannon from 'autocannon';
import { spawn, execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { cpus, totalmem, tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { signRequest } from '../dist/auth/sign-request.js';
import { RecordWriter } from '../dist/record/writer.js';
import { SqliteStore } from '../dist/store/sqlite/sqlite-store.js';
import { fillStore } from './lib/fill.mjs';
import { generateRecords, HOT_VDN } from './lib/generate.mjs';

const { values } = parseArgs({
  options: { records: { type: 'string', default: '1000000' }, duration: { type: 'string', default: '10' }, connections: { type: 'string', default: '10' } },
});
const N = Number(values.records);
const DURATION = Number(values.duration);
const CONNECTIONS = Number(values.connections);
const CLI = new URL('../dist/cli/main.js', import.meta.url).pathname;
const dir = mkdtempSync(join(tmpdir(), 'calllogs-bench-'));
const db = join(dir, 'bench.db');
const fmt = (n) => Math.round(n).toLocaleString('en-US');

console.log(`machine: ${cpus().length} x ${cpus()[0].model}, ${Math.round(totalmem() / 2 ** 30)} GiB, node ${process.version}`);

// 1. Import.
{
  const store = SqliteStore.open(db);
  const started = performance.now();
  await fillStore(store, { count: N });
  const seconds = (performance.now() - started) / 1000;
  console.log(`import: ${fmt(N)} records in ${seconds.toFixed(1)} s = ${fmt(N / seconds)} records/s (generation included)`);
  await store.close();
}

// 2. Writer versus raw batched inserts, on fresh files.
{
  const M = 200_000;
  const records = [...generateRecords({ count: M, seed: 7 })];
  const raw = SqliteStore.open(join(dir, 'raw.db'));
  let started = performance.now();
  for (let i = 0; i < M; i += 1000) await raw.insertBatch(records.slice(i, i + 1000));
  const rawRate = M / ((performance.now() - started) / 1000);
  await raw.close();
  const store = SqliteStore.open(join(dir, 'writer.db'));
  const writer = new RecordWriter(store);
  started = performance.now();
  for (const r of records) {
    if (writer.isFull) await writer.waitForSpace();
    writer.enqueue(r);
  }
  await writer.close();
  const writerRate = M / ((performance.now() - started) / 1000);
  await store.close();
  console.log(`writer: ${fmt(writerRate)} records/s; raw batched inserts: ${fmt(rawRate)} records/s; ratio ${(writerRate / rawRate).toFixed(2)}`);
}

// 3. Signed queries against a server process.
execFileSync(process.execPath, [CLI, 'keys', 'create', '--all-vdns', '--ak', 'bench', '--sk', 'bench-secret-key', '--db', db]);
const server = spawn(process.execPath, [CLI, 'serve', '--db', db, '--port', '0', '--log-level', 'warn', '--tz', 'UTC'], { stdio: ['ignore', 'ignore', 'pipe'] });
const endpoint = await new Promise((resolve, reject) => {
  let err = '';
  server.stderr.on('data', (d) => {
    err += d;
    const m = /listening on (\S+)/.exec(err);
    if (m) resolve(m[1]);
  });
  server.on('exit', (code) => reject(new Error(`server exited ${code}: ${err}`)));
});

const path = `/rest/isales/v1/openapi/campaigns/${HOT_VDN}/calllogs`;
const window = { beginTime: '2026-10-24 00:00:00', endTime: '2026-10-31 00:00:00' };

async function signedPost(body) {
  const text = JSON.stringify(body);
  // One signature serves the whole run: it stays valid for the skew window (15 min).
  const headers = signRequest({ ak: 'bench', sk: 'bench-secret-key', method: 'POST', url: endpoint + path,
    headers: { 'content-type': 'application/json' }, body: text });
  const first = await fetch(endpoint + path, { method: 'POST', headers, body: text }).then((r) => r.json());
  return { headers, text, count: first.count };
}

async function load(name, options) {
  const result = await autocannon({ url: endpoint + path, connections: CONNECTIONS, duration: DURATION, ...options });
  const errors = result.non2xx + result.errors;
  console.log(`${name.padEnd(28)} ${fmt(result.requests.average).padStart(7)} req/s   p50 ${result.latency.p50} ms   p99 ${result.latency.p99} ms` +
    (errors ? `   (${result.non2xx} non-2xx, ${result.errors} errors)` : ''));
  return result;
}

const first = await signedPost({ offset: 0, limit: 100, ...window });
const middle = await signedPost({ offset: Math.floor(first.count / 2), limit: 100, ...window });
const deep = await signedPost({ offset: first.count - 100, limit: 100, ...window });
console.log(`hot VDN ${HOT_VDN}, 7-day window: ${fmt(first.count)} records (middle page offset ${fmt(Math.floor(first.count / 2))}, last page offset ${fmt(first.count - 100)})`);
const baseline = await load('baseline (405, recorded)', { method: 'GET', expectBody: undefined });
const firstRun = await load('signed query, first page', { method: 'POST', headers: first.headers, body: first.text });
const middleRun = await load('signed query, middle page', { method: 'POST', headers: middle.headers, body: middle.text });
const deepRun = await load('signed query, last page', { method: 'POST', headers: deep.headers, body: deep.text });
const ratio = (run) => (run.requests.average / baseline.requests.average).toFixed(3);
console.log(`throughput relative to the baseline: first page ${ratio(firstRun)}, middle page ${ratio(middleRun)}, last page ${ratio(deepRun)}`);

server.kill('SIGTERM');
await new Promise((r) => server.on('exit', r));
rmSync(dir, { recursive: true, force: true });
