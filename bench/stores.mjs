// Issue-4 benchmark, one run, both stores on this machine (build first: npm run build):
//   ingest: records/s written through the store's batch path (batches of 1,000, as the writer does);
//   query:  server-side latency (store.query: count + page) for the hot VDN's 7-day window, first,
//           middle and last page of 100, p50 / p99 over repeated calls.
// Usage: node bench/stores.mjs [--records N] [--iterations I] [--pg postgres://...]
import pg from 'pg';
import { mkdtempSync, rmSync } from 'node:fs';
import { cpus, tmpdir, totalmem } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { PostgresStore } from '../dist/store/postgres/postgres-store.js';
import { SqliteStore } from '../dist/store/sqlite/sqlite-store.js';
import { generateRecords, HOT_VDN } from './lib/generate.mjs';

const { values } = parseArgs({
  options: {
    records: { type: 'string', default: '10000000' },
    iterations: { type: 'string', default: '100' },
    pg: { type: 'string', default: 'postgres://postgres@127.0.0.1:5432/postgres' },
  },
});
const N = Number(values.records);
const ITERATIONS = Number(values.iterations);
const END = Date.UTC(2026, 9, 31);
const fmt = (n) => Math.round(n).toLocaleString('en-US');

console.log(`machine: ${cpus().length} x ${cpus()[0].model}, ${Math.round(totalmem() / 2 ** 30)} GiB, node ${process.version}; ${fmt(N)} records`);

async function ingest(store) {
  const started = performance.now();
  let batch = [];
  for (const r of generateRecords({ count: N, endMs: END })) {
    batch.push(r);
    if (batch.length === 1000) {
      await store.insertBatch(batch);
      batch = [];
    }
  }
  if (batch.length) await store.insertBatch(batch);
  return N / ((performance.now() - started) / 1000);
}

async function latencies(store, query) {
  const times = [];
  let count = 0;
  for (let i = 0; i < ITERATIONS; i++) {
    const t = performance.now();
    count = (await store.query(query)).count;
    times.push(performance.now() - t);
  }
  times.sort((a, b) => a - b);
  const at = (p) => times[Math.min(times.length - 1, Math.floor(p * times.length))].toFixed(1);
  return { p50: at(0.5), p99: at(0.99), count };
}

async function measure(name, store, settle) {
  // Generation is included in the ingest rate; it costs the same for both stores.
  const rate = await ingest(store);
  console.log(`${name.padEnd(10)} ingest ${fmt(rate).padStart(9)} records/s`);
  await settle?.();
  const window = { vdnId: HOT_VDN, fromMs: END - 7 * 86_400_000, toMs: END, url: undefined, limit: 100 };
  const { count } = await store.query({ ...window, offset: 0 });
  for (const [label, offset] of [['first page', 0], ['middle page', Math.floor(count / 2)], ['last page', count - 100]]) {
    const l = await latencies(store, { ...window, offset });
    console.log(`${name.padEnd(10)} ${label.padEnd(12)} (window ${fmt(count)}, offset ${fmt(offset)})  p50 ${l.p50} ms  p99 ${l.p99} ms`);
  }
  return rate;
}

const dir = mkdtempSync(join(tmpdir(), 'calllogs-bench-'));
const sqlite = SqliteStore.open(join(dir, 'bench.db'));
const sqliteRate = await measure('sqlite', sqlite);
await sqlite.close();
rmSync(dir, { recursive: true, force: true });

const admin = new pg.Client({ connectionString: values.pg });
await admin.connect();
const name = `calllogs_bench_${process.pid}`;
await admin.query(`CREATE DATABASE ${name}`);
const url = new URL(values.pg);
url.pathname = `/${name}`;
try {
  const postgres = await PostgresStore.open(url.toString());
  // What autovacuum does soon after a bulk load: statistics, and the visibility map that lets the
  // count and the page positions come from index-only scans.
  const pgRate = await measure('postgres', postgres, async () => {
    const client = new pg.Client({ connectionString: url.toString() });
    await client.connect();
    const t = performance.now();
    await client.query('VACUUM ANALYZE records');
    console.log(`postgres   VACUUM ANALYZE after the load: ${((performance.now() - t) / 1000).toFixed(1)} s`);
    await client.end();
  });
  await postgres.close();
  console.log(`ingest ratio postgres / sqlite: ${(pgRate / sqliteRate).toFixed(2)}`);
} finally {
  await admin.query(`DROP DATABASE ${name} WITH (FORCE)`);
  await admin.end();
}
