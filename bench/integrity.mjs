// Issue-13 benchmark: what the tamper-evident logs cost and how fast they are checked (build first:
// npm run build). Four measurements, each printed with its command-line setting:
//   1. both stores: the write path with the sealer running beside it (as `serve` runs it: every
//      second, on a thread of its own with its own connection) against without, alternating
//      --rounds times on fresh stores, --records records (the 10M benchmark sequence, batches of
//      1,000 as the writer commits them); the ratio of ingest rates, the sealing lag (oldest
//      unsealed record's age, sampled every 250 ms) while records arrive, and the CPU a record
//      costs with and without the sealer (this process's threads and, on Linux, PostgreSQL's
//      processes): steadier than the rates on a shared machine; on SQLite, the WAL's largest size.
//   2. sealing a backlog (records imported, which the import does not seal): records per second;
//   3. `calllogs verify` of a 1,000,000-record export of one VDN with its proof (--verify-records);
//   4. the proof of a 7-day window of the hot VDN of a 1,000,000-record store (30 days, VDN 1
//      holding 30 %), both stores (PostgreSQL vacuumed and analyzed): the server's work per call
//      (buildProof and the answer's bytes), p50 and p95.
// Usage: node bench/integrity.mjs [--records 200000] [--rounds 3] [--verify-records 1000000] [--pg URL] [--only 1234] [--stores sqlite,postgres]
//        [--baseline DIR]   (3 and 4: another checkout, built, measured in the same run on a store it built itself; its ratio printed)
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync, statSync } from 'node:fs';
import { cpus, tmpdir, totalmem } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { parseArgs } from 'node:util';
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import pg from 'pg';
import { pino } from 'pino';
import { proofResponseBytes } from '../dist/contract/proof.js';
import { formatVerifierKey } from '../dist/integrity/checkpoint.js';
import { generateSigningKey } from '../dist/integrity/node-crypto.js';
import { buildProof } from '../dist/integrity/proofs.js';
import { Sealer } from '../dist/server/sealer.js';
import { SealerThread } from '../dist/server/sealer-thread.js';
import { openStore } from '../dist/store/open.js';
import { startCpuMeter } from './lib/cpu-meter.mjs';
import { generateRecords, HOT_VDN } from './lib/generate.mjs';

const { values } = parseArgs({
  options: {
    records: { type: 'string', default: '200000' },
    rounds: { type: 'string', default: '3' },
    'verify-records': { type: 'string', default: '1000000' },
    pg: { type: 'string', default: 'postgres://postgres@127.0.0.1:5432/postgres' },
    only: { type: 'string', default: '1234' },
    stores: { type: 'string', default: 'sqlite,postgres' },
    baseline: { type: 'string' },
  },
});
const N = Number(values.records);
const ROUNDS = Number(values.rounds);
const STORES = values.stores.split(',');
const CLI = new URL('../dist/cli/main.js', import.meta.url).pathname;
const dir = mkdtempSync(join(tmpdir(), 'calllogs-integrity-'));
const fmt = (n) => Math.round(n).toLocaleString('en-US');
const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
const quantile = (xs, q) => [...xs].sort((a, b) => a - b)[Math.min(xs.length - 1, Math.floor(q * xs.length))];
const silent = pino({ level: 'silent' });
const key = generateSigningKey('calllogs-bench');

let databases = 0;
async function freshPostgres() {
  const name = `calllogs_integrity_${process.pid}_${databases++}`;
  const admin = new pg.Client({ connectionString: values.pg });
  await admin.connect();
  await admin.query(`DROP DATABASE IF EXISTS ${name}`);
  await admin.query(`CREATE DATABASE ${name}`);
  await admin.end();
  const url = new URL(values.pg);
  url.pathname = `/${name}`;
  return { url: url.toString(), drop: async () => {
    const c = new pg.Client({ connectionString: values.pg });
    await c.connect();
    await c.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
    await c.end();
  } };
}
async function onPostgres(url, work) {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    return await work(client);
  } finally {
    await client.end();
  }
}
const freshSqlite = () => ({ url: join(mkdtempSync(join(dir, 'db-')), 'bench.db'), drop: async () => undefined });

/** One ingest run: N records in batches of 1,000, with or without the sealer beside the writer. */
async function ingest(kind, sealing) {
  const target = kind === 'sqlite' ? freshSqlite() : await freshPostgres();
  // As `serve` opens them: with the sealer beside it, this writer leaves WAL checkpoints to its thread.
  const store = await openStore(target.url, { walCheckpoints: sealing ? 'left-to-sealer' : 'commits' });
  const settings = {
    db: target.url, masterKey: undefined, keyFile: join(mkdtempSync(join(dir, 'key-')), 'key.json'), sealIntervalMs: 1000, checkpointIntervalMs: 10_000, walCheckpoints: sealing,
  };
  const sealer = sealing ? await SealerThread.start(settings, silent) : undefined;
  const batches = [];
  let inserted = 0;
  const lags = [];
  // SQLite's WAL: a sealer that keeps a checkpoint from restarting it makes it grow.
  let walPeak = 0;
  let sampling = true;
  const sampler = (async () => {
    while (sampling) {
      await sleep(250);
      if (kind === 'sqlite') walPeak = Math.max(walPeak, statSync(`${target.url}-wal`, { throwIfNoEntry: false })?.size ?? 0);
      if (!sealing) continue;
      // From the logs' sizes: counting the unsealed records instead scanned them four times a
      // second, which on PostgreSQL cost as much as a third of what the sealer itself did.
      const sealed = (await store.integrity.heads()).reduce((n, head) => n + head.size, 0);
      const oldest = batches.find((b) => b.end > sealed);
      lags.push(oldest ? (performance.now() - oldest.at) / 1000 : 0);
    }
  })();
  const started = performance.now();
  const cpu = startCpuMeter();
  let batch = [];
  for (const record of generateRecords({ count: N })) {
    batch.push(record);
    if (batch.length === 1000) {
      await store.insertBatch(batch);
      inserted += batch.length;
      batches.push({ end: inserted, at: performance.now() });
      batch = [];
      // The writer yields between batches, as the batching writer does between commits.
      await new Promise((resolve) => setImmediate(resolve));
    }
  }
  await store.insertBatch(batch);
  inserted += batch.length;
  const seconds = (performance.now() - started) / 1000;
  sampling = false;
  await sampler;
  let catchUp = 0;
  if (sealer) {
    const t = performance.now();
    await sealer.stop();
    catchUp = (performance.now() - t) / 1000;
  }
  const used = cpu();
  await store.close();
  await target.drop();
  return { rate: inserted / seconds, lags, catchUp, walPeak, cpu: { node: used.node / inserted, postgres: used.postgres === undefined ? undefined : used.postgres / inserted } };
}

/** CPU µs a record, this process's threads and PostgreSQL's. */
const cpuText = ({ node, postgres }) => `${node.toFixed(1)} µs` + (postgres === undefined ? '' : ` + PostgreSQL ${postgres.toFixed(1)} µs`);

/** Loads generated records through an import (which seals nothing), in batches of 10,000. */
async function importRecords(store, count, mapVdn = (r) => r) {
  const session = await store.beginImport();
  let batch = [];
  for (const r of generateRecords({ count })) {
    batch.push(mapVdn(r));
    if (batch.length === 10_000) {
      await session.add(batch);
      batch = [];
    }
  }
  await session.add(batch);
  await session.commit();
}

/** Sealing a backlog of N records: records per second. */
async function sealBacklog(kind) {
  const target = kind === 'sqlite' ? freshSqlite() : await freshPostgres();
  const store = await openStore(target.url);
  await importRecords(store, N);
  const started = performance.now();
  let sealed = 0;
  // The store's batch, as the sealer takes it (checkouts before stores named theirs took 2,000).
  const batch = typeof store.integrity.sealBatch === 'number' ? store.integrity.sealBatch : 2000;
  for (let n; (n = await store.integrity.seal(batch)) > 0;) sealed += n;
  const rate = sealed / ((performance.now() - started) / 1000);
  await store.close();
  await target.drop();
  return rate;
}

/** A store of `count` generated records (SQLite unless given), sealed and signed; `mapVdn` may move them all into one VDN. */
async function sealedStore(count, mapVdn = (r) => r, path = join(mkdtempSync(join(dir, 'big-')), 'calllogs.db'), build = { openStore, Sealer }) {
  // As `serve` opens it (SQLite: a proof's long reads on threads).
  const store = await build.openStore(path, { readThreads: true });
  await store.integrity.registerKey(formatVerifierKey(key.note));
  await importRecords(store, count, mapVdn);
  const started = performance.now();
  await new build.Sealer(store.integrity, { key, sealIntervalMs: 1000, checkpointIntervalMs: 10_000, log: silent }).run(true);
  const sealSeconds = (performance.now() - started) / 1000;
  return { path, store, sealSeconds };
}

/** The server's work for the proof of the hot VDN's last 7 days on one store: this build and, with --baseline, the other, alternating. */
async function proofTimes(kind) {
  const target = kind === 'sqlite' ? freshSqlite() : await freshPostgres();
  const { store } = await sealedStore(1_000_000, undefined, target.url);
  const end = Date.UTC(2026, 9, 31); // the generator's last day
  const window = { fromMs: end - 7 * 86_400_000, toMs: end };
  const builds = [['this', { buildProof, answer: proofResponseBytes, store }]];
  const targets = [target];
  if (values.baseline) {
    const from = (module) => import(join(values.baseline, 'dist', module));
    const [{ buildProof: baseProof }, baseContract, { openStore: baseOpen }, { Sealer: BaseSealer }] = await Promise.all(
      ['integrity/proofs.js', 'contract/proof.js', 'store/open.js', 'server/sealer.js'].map(from),
    );
    // Its own store, built and sealed by its own code (the layout of the logs may differ).
    const baseTarget = kind === 'sqlite' ? freshSqlite() : await freshPostgres();
    targets.push(baseTarget);
    const { store: baseStore } = await sealedStore(1_000_000, undefined, baseTarget.url, { openStore: baseOpen, Sealer: BaseSealer });
    // Checkouts before the proof's JSON text (ff0e3b0 and earlier) answered with an object Fastify serialised.
    const answer = baseContract.proofResponseBytes ?? ((proof) => Buffer.from(JSON.stringify(baseContract.proofResponseBody(proof))));
    builds.push(['baseline', { buildProof: baseProof, answer, store: baseStore }]);
  }
  // PostgreSQL: vacuumed and analyzed, as autovacuum leaves a store a week old (fresh, its visibility
  // map is unset and index-only scans fetch every heap row).
  if (kind === 'postgres') for (const each of targets) await onPostgres(each.url, (c) => c.query('VACUUM ANALYZE'));
  const times = new Map(builds.map(([name]) => [name, []]));
  // Each call starts from a collected heap: neither build pays for the other's garbage.
  setFlagsFromString('--expose-gc');
  const collect = runInNewContext('gc');
  for (let i = 0; i < 21; i++) {
    for (const [name, build] of builds) {
      collect();
      const t = performance.now();
      const proof = await build.buildProof(build.store.integrity, HOT_VDN, { window }, {});
      const answer = build.answer(proof);
      // The first call of each warms up and is not counted.
      if (i > 0) times.get(name).push(performance.now() - t);
      if (i === 0 && name === 'this') {
        const { leaves, extraFields, rangeProof } = JSON.parse(Buffer.from(answer).toString());
        console.log(`   ${kind.padEnd(8)} ${fmt(leaves.ids.length)} leaves, extra fields of ${fmt(extraFields.ids.length)} records, ${rangeProof.length} range-proof hashes, answer ${fmt(answer.length / 1024)} KiB`);
      }
    }
  }
  for (const [name, rounds] of times) {
    console.log(`   ${kind.padEnd(8)} ${name.padEnd(8)} server work per call: p50 ${median(rounds).toFixed(1)} ms, p95 ${quantile(rounds, 0.95).toFixed(1)} ms   (target p50 <= 50 ms)`);
  }
  if (values.baseline) console.log(`   ${kind.padEnd(8)} this ÷ baseline, p50: ${(100 * median(times.get('this')) / median(times.get('baseline'))).toFixed(1)} % of the time`);
  for (const [, build] of builds) await build.store.close();
  for (const each of targets) await each.drop();
}

console.log(`machine: ${cpus().length} x ${cpus()[0].model}, ${Math.round(totalmem() / 2 ** 30)} GiB, node ${process.version}`);
try {
  if (values.only.includes('1')) {
    console.log(`\n1. the write path with and without the sealer: ${fmt(N)} records in batches of 1,000, ${ROUNDS} alternating rounds`);
    for (const kind of STORES) {
      const ratios = [];
      const allLags = [];
      const cpuCosts = [];
      for (let round = 1; round <= ROUNDS; round++) {
        const off = await ingest(kind, false);
        const on = await ingest(kind, true);
        ratios.push(on.rate / off.rate);
        allLags.push(...on.lags);
        const total = ({ node, postgres }) => node + (kind === 'postgres' ? postgres ?? NaN : 0);
        cpuCosts.push(total(on.cpu) / total(off.cpu) - 1);
        console.log(`   ${kind.padEnd(8)} round ${round}: without ${fmt(off.rate)} records/s, with sealing ${fmt(on.rate)} records/s (${(100 * on.rate / off.rate).toFixed(1)} %), `
          + `lag p50 ${quantile(on.lags, 0.5).toFixed(2)} s, p99 ${quantile(on.lags, 0.99).toFixed(2)} s, catch-up after the last batch ${on.catchUp.toFixed(2)} s; `
          + `CPU a record without ${cpuText(off.cpu)}, with ${cpuText(on.cpu)}`
          + (kind === 'sqlite' ? `; WAL at most ${fmt(off.walPeak / 2 ** 20)} MB without, ${fmt(on.walPeak / 2 ** 20)} MB with` : ''));
      }
      console.log(`   ${kind.padEnd(8)} with ÷ without, median of rounds: ${(100 * median(ratios)).toFixed(1)} % (rounds: ${ratios.map((r) => (100 * r).toFixed(0)).join(', ')}), `
        + `sealing lag p99 over all rounds ${quantile(allLags, 0.99).toFixed(2)} s   (targets: cost <= 10 %, lag p99 <= 5 s)`);
      console.log(`   ${kind.padEnd(8)} the CPU the sealer adds (all processes) over the write path's own, median of rounds: ${(100 * median(cpuCosts)).toFixed(1)} % `
        + `(rounds: ${cpuCosts.map((c) => (100 * c).toFixed(0)).join(', ')}; it costs ingest rate only where the cores are busy)`);
    }
  }
  if (values.only.includes('2')) {
    console.log(`\n2. sealing a backlog of ${fmt(N)} records`);
    for (const kind of STORES) console.log(`   ${kind.padEnd(8)} ${fmt(await sealBacklog(kind))} records/s   (target on SQLite: >= 50,000)`);
  }
  if (values.only.includes('3')) {
    const count = Number(values['verify-records']);
    console.log(`\n3. calllogs verify of a ${fmt(count)}-record export of one VDN`);
    const { path, store, sealSeconds } = await sealedStore(count, (r) => ({ ...r, vdnId: 2 }));
    await store.close();
    console.log(`   sealed and signed in ${sealSeconds.toFixed(1)} s (${fmt(count / sealSeconds)} records/s)`);
    // This checkout's CLI and, with --baseline, another checkout's (built), each with its own export
    // of a store its own code sealed (the layout of the logs may differ), verified in alternating rounds.
    const clis = [['this', CLI, path]];
    if (values.baseline) {
      const [{ openStore: baseOpen }, { Sealer: BaseSealer }] = await Promise.all(['store/open.js', 'server/sealer.js'].map((module) => import(join(values.baseline, 'dist', module))));
      const base = await sealedStore(count, (r) => ({ ...r, vdnId: 2 }), undefined, { openStore: baseOpen, Sealer: BaseSealer });
      await base.store.close();
      clis.push(['baseline', join(values.baseline, 'dist/cli/main.js'), base.path]);
    }
    const times = new Map(clis.map(([name]) => [name, []]));
    for (const [name, cli, store] of clis) {
      const out = join(path, '..', `${name}.ndjson`);
      const t = performance.now();
      execFileSync(process.execPath, [cli, 'export', '--db', store, '--vdn', '2', '--out', out, '--proof', `${out}.proof.json`]);
      console.log(`   ${name.padEnd(8)} export --proof: ${((performance.now() - t) / 1000).toFixed(1)} s, ${fmt(statSync(out).size / 2 ** 20)} MB of records, ${fmt(statSync(`${out}.proof.json`).size / 2 ** 20)} MB of proof`);
    }
    for (let round = 0; round < ROUNDS; round++) {
      for (const [name, cli] of clis) {
        const t = performance.now();
        const printed = execFileSync(process.execPath, [cli, 'verify', join(path, '..', `${name}.ndjson`), '--public-key', formatVerifierKey(key.note)], { encoding: 'utf8' });
        times.get(name).push((performance.now() - t) / 1000);
        if (round === 0) console.log(`   ${name.padEnd(8)} ${printed.trim()}`);
      }
    }
    for (const [name, rounds] of times) {
      console.log(`   ${name.padEnd(8)} calllogs verify: median ${median(rounds).toFixed(2)} s (rounds: ${rounds.map((x) => x.toFixed(2)).join(', ')})   (target <= 10 s)`);
    }
    if (values.baseline) console.log(`   this ÷ baseline, median of rounds: ${(100 * median(times.get('this').map((x, i) => x / times.get('baseline')[i]))).toFixed(1)} % of the time`);
  }
  if (values.only.includes('4')) {
    console.log('\n4. the proof of a 7-day window of the hot VDN (1,000,000 records over 30 days, VDN 1 holding 30 %)');
    for (const kind of STORES) await proofTimes(kind);
  }
} finally {
  rmSync(dir, { recursive: true, force: true });
}
