// Issue-5 benchmark, one run on this machine (build first: npm run build):
//   1. write cost of the count structures: records/s into a fresh store with them, and into the
//      same schema without them (plain inserts of the same batches), both stores;
//   2. on N records (default 10,000,000): the hot VDN's 7-day window, with and without a url filter,
//      first / middle / last page of 100 with its count: server-side p50 / p99 of the store next to
//      the naive COUNT(*) + ORDER BY ... OFFSET ... LIMIT on the same data;
//      and the stats interface's store call (calls and failures per bucket and url) over the last
//      hour, 3, 12 and 24 hours and 7 days of the hot VDN, next to the naive GROUP BY over the records;
//   3. the server's RSS while a client pages through a range of about 1,000,000 records (SQLite).
// Usage: node bench/query-scale.mjs [--records N] [--iterations I] [--pg URL] [--only write|query|rss] [--server-heap MiB]
import pg from 'pg';
import Database from 'better-sqlite3';
import { execFileSync, spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { cpus, tmpdir, totalmem } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { CalllogsClient } from '../dist/client/index.js';
import { statsBucketMs } from '../dist/contract/stats.js';
import { FAILURE_SQL } from '../dist/store/query-plan.js';
import { PostgresStore } from '../dist/store/postgres/postgres-store.js';
import { SqliteStore } from '../dist/store/sqlite/sqlite-store.js';
import { generateRecords, HOT_VDN } from './lib/generate.mjs';

const { values } = parseArgs({
  options: {
    records: { type: 'string', default: '10000000' },
    iterations: { type: 'string', default: '100' },
    pg: { type: 'string', default: 'postgres://postgres@127.0.0.1:5432/postgres' },
    only: { type: 'string' },
    'server-heap': { type: 'string' },
  },
});
const N = Number(values.records);
const ITERATIONS = Number(values.iterations);
const END = Date.UTC(2026, 9, 31);
const DAY = 86_400_000;
const fmt = (n) => Math.round(n).toLocaleString('en-US');
const COLUMNS = ['id', 'vdn', 'oper_time', 'url', 'request', 'result_code', 'result_desc', 'http_status', 'type', 'ak', 'client_ip', 'duration_ms'];
const row = (r) => [r.id, r.vdnId ?? 0, r.operTime, r.url, r.request, r.resultCode, r.resultDesc, r.httpStatus, r.type, r.ak, r.clientIp, r.durationMs];
const CLI = new URL('../dist/cli/main.js', import.meta.url).pathname;
const dir = mkdtempSync(join(tmpdir(), 'calllogs-scale-'));

console.log(`machine: ${cpus().length} x ${cpus()[0].model}, ${Math.round(totalmem() / 2 ** 30)} GiB, node ${process.version}; ${fmt(N)} records`);

const run = (part) => !values.only || values.only === part;

/** The first `count` of the N-record sequence, in batches of 1,000: records at the store's density. */
function* batches(count, seed) {
  let batch = [];
  let left = count;
  for (const r of generateRecords({ count: N, endMs: END, seed })) {
    batch.push(r);
    if (batch.length === 1000) {
      yield batch;
      batch = [];
    }
    if (--left === 0) break;
  }
  if (batch.length) yield batch;
}

/** records/s of `insert`; `pregenerate` keeps generation off the clock (small counts only: it holds them all). */
async function rate(count, insert, pregenerate = true) {
  const all = pregenerate ? [...batches(count, 3)] : batches(count, 3);
  const started = performance.now();
  for (const b of all) await insert(b);
  return count / ((performance.now() - started) / 1000);
}

function percentiles(times) {
  times.sort((a, b) => a - b);
  const at = (p) => times[Math.min(times.length - 1, Math.floor(p * times.length))].toFixed(2);
  return `p50 ${at(0.5).padStart(7)} ms  p99 ${at(0.99).padStart(7)} ms`;
}

async function timed(iterations, work) {
  const times = [];
  let result;
  for (let i = 0; i < iterations; i++) {
    const t = performance.now();
    result = await work();
    times.push(performance.now() - t);
  }
  return { times, result };
}

/** The cases of the comparison, sized from the store's own count. */
async function cases(store, hotUrl) {
  const out = [];
  for (const url of [undefined, { kind: 'exact', value: hotUrl }]) {
    const window = { vdnId: HOT_VDN, fromMs: END - 7 * DAY, toMs: END, url, limit: 100 };
    const { count } = await store.query({ ...window, offset: 0 });
    for (const [label, offset] of [['first', 0], ['middle', Math.floor(count / 2)], ['last', Math.max(0, count - 100)]]) {
      out.push({ name: `${url ? 'url filter' : 'all urls  '} ${label.padEnd(6)} (count ${fmt(count)}, offset ${fmt(offset)})`, query: { ...window, offset } });
    }
  }
  return out;
}

async function compare(name, store, naive, hotUrl) {
  for (const c of await cases(store, hotUrl)) {
    const ours = await timed(ITERATIONS, () => store.query(c.query));
    const base = await timed(Math.max(5, Math.floor(ITERATIONS / 5)), () => naive(c.query));
    if (base.result.count !== ours.result.count || base.result.ids.join() !== ours.result.records.map((r) => r.id).join()) {
      throw new Error(`${name} ${c.name}: the store's answer differs from the naive query`);
    }
    const ratio = (base.times.reduce((a, b) => a + b) / base.times.length) / (ours.times.reduce((a, b) => a + b) / ours.times.length);
    console.log(`${name.padEnd(8)} ${c.name}  store ${percentiles(ours.times)}   naive ${percentiles(base.times)}   mean ratio ${ratio.toFixed(0)}x`);
  }
}

/** The stats interface's store call on the hot VDN's last hour, day and week, next to a naive GROUP BY. */
async function compareStats(name, store, naive) {
  for (const [label, span] of [['last hour', 3600_000], ['last 3 h', 3 * 3600_000], ['last 12 h', 12 * 3600_000], ['last 24 h', DAY], ['last 7 d', 7 * DAY]]) {
    const window = { vdnId: HOT_VDN, fromMs: END - span, toMs: END + 1000, url: undefined };
    const q = { ...window, bucketMs: statsBucketMs(window) };
    const ours = await timed(ITERATIONS, () => store.stats(q));
    const base = await timed(Math.max(5, Math.floor(ITERATIONS / 5)), () => naive(q));
    const calls = ours.result.urls.reduce((t, u) => t + u.calls, 0);
    const failures = ours.result.urls.reduce((t, u) => t + u.failures, 0);
    if (calls !== base.result.calls || failures !== base.result.failures) throw new Error(`${name} stats ${label}: differs from the naive query`);
    const ratio = (base.times.reduce((a, b) => a + b) / base.times.length) / (ours.times.reduce((a, b) => a + b) / ours.times.length);
    console.log(`${name.padEnd(8)} stats ${label} (${ours.result.buckets.length} buckets of ${q.bucketMs / 60_000} min, ${fmt(calls)} calls, ${fmt(failures)} failed)  ` +
      `store ${percentiles(ours.times)}   naive ${percentiles(base.times)}   mean ratio ${ratio.toFixed(0)}x`);
  }
}

const naiveStatsSql = (q, p) => `SELECT (oper_time / ${q.bucketMs}) * ${q.bucketMs} AS bucket, url, count(*) AS n, sum(CASE WHEN ${FAILURE_SQL} THEN 1 ELSE 0 END) AS f
  FROM records WHERE vdn = ${p(q.vdnId)} AND oper_time >= ${p(q.fromMs)} AND oper_time < ${p(q.toMs)} GROUP BY 1, 2`;
const totals = (rows) => rows.reduce((t, r) => ({ calls: t.calls + Number(r.n), failures: t.failures + Number(r.f) }), { calls: 0, failures: 0 });

const naiveSql = (q, p) => {
  const where = [`vdn = ${p(q.vdnId)}`, `oper_time >= ${p(q.fromMs)}`, `oper_time < ${p(q.toMs)}`];
  if (q.url) where.push(`url = ${p(q.url.value)}`);
  return where.join(' AND ');
};

// --- 1. Write cost: the same records (the first 300,000 of the N-record sequence, so at the
// store's density, in time order, as live traffic arrives) into fresh stores with and without the
// count structures, alternating three times (the machine is shared and noisy); the median cost.
const WRITE_N = Math.min(N, 300_000);
const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
const report = (name, pairs) => console.log(`${name.padEnd(8)} write cost: ` + pairs.map(([w, wo]) => `${fmt(w)} vs ${fmt(wo)} records/s`).join('; ') +
  ` (with vs without count structures) → median cost ${median(pairs.map(([w, wo]) => 100 * (1 - w / wo))).toFixed(1)} %`);
if (run('write')) {
  const pairs = [];
  for (let round = 0; round < 3; round++) {
    const ours = SqliteStore.open(join(dir, `with-${round}.db`));
    const withCounts = await rate(WRITE_N, (b) => ours.insertBatch(b));
    await ours.close();
    const plain = new Database(join(dir, `plain-${round}.db`));
    plain.pragma('journal_mode = WAL');
    plain.pragma('synchronous = NORMAL');
    plain.exec(readFileSync(new URL('../dist/store/sqlite/migrations/0001_init.sql', import.meta.url), 'utf8'));
    const insert = plain.prepare(`INSERT INTO records (${COLUMNS.join(', ')}) VALUES (${COLUMNS.map(() => '?').join(', ')}) ON CONFLICT (id) DO NOTHING`);
    const many = plain.transaction((b) => { for (const r of b) insert.run(...row(r)); });
    const without = await rate(WRITE_N, async (b) => many(b));
    plain.close();
    pairs.push([withCounts, without]);
  }
  report('sqlite', pairs);
}

const admin = new pg.Client({ connectionString: values.pg });
await admin.connect();
const databases = [];
async function database(suffix) {
  const name = `calllogs_scale_${process.pid}_${suffix}`;
  await admin.query(`CREATE DATABASE ${name}`);
  databases.push(name);
  const url = new URL(values.pg);
  url.pathname = `/${name}`;
  return url.toString();
}
try {
  if (run('write')) {
    const pairs = [];
    const types = ['text', 'int', 'bigint', 'text', 'text', 'text', 'text', 'int', 'text', 'text', 'text', 'float8'];
    for (let round = 0; round < 3; round++) {
      const ours = await PostgresStore.open(await database(`with${round}`));
      const withCounts = await rate(WRITE_N, (b) => ours.insertBatch(b));
      await ours.close();
      const plain = new pg.Pool({ connectionString: await database(`plain${round}`) });
      await plain.query(readFileSync(new URL('../dist/store/postgres/migrations/0001_init.sql', import.meta.url), 'utf8'));
      const days = new Set();
      const without = await rate(WRITE_N, async (b) => {
        for (const r of b) {
          const day = Math.floor(r.operTime / DAY);
          if (!days.has(day)) {
            days.add(day);
            await plain.query(`CREATE TABLE IF NOT EXISTS records_p${day} PARTITION OF records FOR VALUES FROM (${day * DAY}) TO (${(day + 1) * DAY})`);
          }
        }
        const rows = b.map(row);
        await plain.query(`INSERT INTO records (${COLUMNS.join(', ')}) SELECT * FROM unnest(${types.map((t, i) => `$${i + 1}::${t}[]`).join(', ')}) ON CONFLICT DO NOTHING`,
          COLUMNS.map((_, i) => rows.map((r) => r[i])));
      });
      await plain.end();
      pairs.push([withCounts, without]);
    }
    report('postgres', pairs);
  }

  // --- 2. Query comparison on N records.
  const hotUrl = `/rest/isales/v1/openapi/campaigns/${HOT_VDN}`;
  const sqlitePath = join(dir, 'scale.db');
  if (run('query') || run('rss')) {
    const store = SqliteStore.open(sqlitePath);
    const loaded = await rate(N, (b) => store.insertBatch(b), false);
    console.log(`sqlite   loaded ${fmt(N)} records at ${fmt(loaded)} records/s (generation included)`);
    const raw = new Database(sqlitePath, { readonly: true });
    if (run('query')) await compare('sqlite', store, async (q) => {
      const params = [];
      const where = naiveSql(q, (v) => (params.push(v), '?'));
      const count = raw.prepare(`SELECT count(*) FROM records WHERE ${where}`).pluck().get(params);
      const ids = raw.prepare(`SELECT id FROM records WHERE ${where} ORDER BY oper_time DESC, id DESC LIMIT ? OFFSET ?`).pluck().all(...params, q.limit, q.offset);
      return { count, ids };
    }, hotUrl);
    if (run('query')) await compareStats('sqlite', store, async (q) => {
      const params = [];
      return totals(raw.prepare(naiveStatsSql(q, (v) => (params.push(v), '?'))).all(params));
    });
    raw.close();
    await store.close();
  }
  if (run('query')) {
    const url = await database('scale');
    const store = await PostgresStore.open(url);
    const loaded = await rate(N, (b) => store.insertBatch(b), false);
    console.log(`postgres loaded ${fmt(N)} records at ${fmt(loaded)} records/s (generation included)`);
    const raw = new pg.Client({ connectionString: url });
    await raw.connect();
    await raw.query('VACUUM ANALYZE records');
    await raw.query('VACUUM ANALYZE record_counts');
    await compare('postgres', store, async (q) => {
      const params = [];
      const where = naiveSql(q, (v) => (params.push(v), `$${params.length}`));
      const count = Number((await raw.query(`SELECT count(*) AS n FROM records WHERE ${where}`, params)).rows[0].n);
      const n = params.length;
      const ids = (await raw.query(`SELECT id FROM records WHERE ${where} ORDER BY oper_time DESC, id DESC LIMIT $${n + 1} OFFSET $${n + 2}`,
        [...params, q.limit, q.offset])).rows.map((r) => r.id);
      return { count, ids };
    }, hotUrl);
    await compareStats('postgres', store, async (q) => {
      const params = [];
      return totals((await raw.query(naiveStatsSql(q, (v) => (params.push(v), `$${params.length}`)), params)).rows);
    });
    await raw.end();
    await store.close();
  }

  // --- 3. Server RSS while a client pages through ~1,000,000 records of the SQLite store.
  if (run('rss')) {
    execFileSync(process.execPath, [CLI, 'keys', 'create', '--all-vdns', '--ak', 'scale', '--sk', 'scale-secret-key', '--db', sqlitePath]);
    // A capped heap shows that paging holds nothing per page: the server would die of it otherwise.
    const heap = values['server-heap'] ? [`--max-old-space-size=${values['server-heap']}`] : [];
    const server = spawn(process.execPath, [...heap, CLI, 'serve', '--db', sqlitePath, '--port', '0', '--log-level', 'warn', '--tz', 'UTC'], { stdio: ['ignore', 'ignore', 'pipe'] });
    const endpoint = await new Promise((resolve) => {
      let err = '';
      server.stderr.on('data', (d) => {
        err += d;
        const m = /listening on (\S+)/.exec(err);
        if (m) resolve(m[1]);
      });
    });
    const rss = () => Number(/VmRSS:\s+(\d+)/.exec(readFileSync(`/proc/${server.pid}/status`, 'utf8'))[1]) / 1024;
    const client = new CalllogsClient({ endpoint, ak: 'scale', sk: 'scale-secret-key', timeZone: 'UTC' });
    const span = Math.ceil((1_000_000 / (0.3 * N)) * 30 * DAY);
    const samples = [rss()];
    let seen = 0;
    const started = performance.now();
    for await (const _ of client.records({ vdnId: HOT_VDN, from: new Date(END - span), to: new Date(END - 1) })) {
      if (++seen % 100_000 === 0) samples.push(rss());
    }
    samples.push(rss());
    const seconds = (performance.now() - started) / 1000;
    console.log(`server${heap.length ? ` (heap capped at ${values['server-heap']} MiB)` : ''} RSS while paging ${fmt(seen)} records (${fmt(seen / seconds)} records/s): ` +
      `${samples.map((m) => m.toFixed(0)).join(', ')} MiB (first ${samples[0].toFixed(0)}, max ${Math.max(...samples).toFixed(0)})`);
    await client.close();
    server.kill('SIGTERM');
    await new Promise((r) => server.on('exit', r));
  }
} finally {
  for (const name of databases) await admin.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
  await admin.end();
  rmSync(dir, { recursive: true, force: true });
}
