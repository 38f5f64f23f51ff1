// Issue-12 benchmark: the record filters at scale, both stores, one run (build first: npm run build).
// A store of --records records (default 10,000,000; 30 days ending 2026-10-31, 100 VDNs, the hot VDN
// holding 30 %: bench/lib/generate.mjs) is filled once through the import path and kept with --keep.
// On the hot VDN's last 7 days (about 700,000 records), each case asks the store for the count and a
// page of 100 at a random offset, --iterations times, next to the naive query on the same data (a
// COUNT(*) and an ORDER BY … OFFSET … LIMIT with the same conditions), and checks both agree.
// Stats: the 7-day window with percentiles, unfiltered and filtered. With --text-probe, also the
// trigram indexes for `text` that are not shipped (bench/lib/text-probe.mjs): their fill cost and
// query time beside the scan.
// Usage: node bench/filters.mjs [--records N] [--iterations I] [--keep DIR] [--pg URL] [--only sqlite|postgres] [--text-probe]
import Database from 'better-sqlite3';
import pg from 'pg';
import { existsSync, mkdirSync, mkdtempSync } from 'node:fs';
import { cpus, tmpdir, totalmem } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { readFilters } from '../dist/contract/filters.js';
import { bindSql, windowConditions } from '../dist/store/query-plan.js';
import { PostgresStore } from '../dist/store/postgres/postgres-store.js';
import { SqliteStore } from '../dist/store/sqlite/sqlite-store.js';
import { fillStore } from './lib/fill.mjs';
import { probePostgres, probeSqlite, reportProbe } from './lib/text-probe.mjs';
import { HOT_VDN } from './lib/generate.mjs';

const { values } = parseArgs({
  options: {
    records: { type: 'string', default: '10000000' },
    iterations: { type: 'string', default: '100' },
    keep: { type: 'string' },
    pg: { type: 'string', default: 'postgres://postgres@127.0.0.1:5432/postgres' },
    only: { type: 'string' },
    'text-probe': { type: 'boolean', default: false },
  },
});
const N = Number(values.records);
const ITERATIONS = Number(values.iterations);
const END = Date.UTC(2026, 9, 31);
const WINDOW = { vdnId: HOT_VDN, fromMs: END - 7 * 86_400_000, toMs: END };
const keep = values.keep ?? mkdtempSync(join(tmpdir(), 'calllogs-filters-'));
mkdirSync(keep, { recursive: true });
const run = (kind) => !values.only || values.only === kind;
const fmt = (n) => Math.round(n).toLocaleString('en-US');

/** The cases: wire-shaped filter fields (read by the contract's own reader), plus url and outcome. */
const URL_A = `/rest/isales/v1/openapi/campaigns/${HOT_VDN}/1000/queryObsResultDetail`;
const TEXTS = ['"campaignId":"1003"', '138****12'];
const WINDOW_TEXT_SQL = (p) => `SELECT request, result_desc FROM records WHERE vdn = ${p(1)} AND oper_time >= ${p(2)} AND oper_time < ${p(3)}`;
const CASES = [
  ['ak (30 %)', { ak: 'ak-1-2' }],
  ['resultCode', { resultCode: '02000007' }],
  ['httpStatus', { httpStatus: [500, 404] }],
  ['type', { type: 'PUT' }],
  ['url + outcome', { url: { kind: 'exact', value: URL_A }, outcome: 'failure' }],
  ['ak + httpStatus + type', { ak: ['ak-1-2', 'ak-1-3'], httpStatus: 200, type: 'GET' }],
  ['resultCode + outcome', { resultCode: ['0200401', '0200500'], outcome: 'failure' }],
  ['clientIp (7.5 %)', { clientIp: `10.0.${HOT_VDN}.9` }],
  ['minDurationMs (≥ 190 ms: 5 %)', { minDurationMs: 190 }],
  ['text: a campaign id', { text: TEXTS[0] }],
  ['text: a masked phone', { text: TEXTS[1] }],
];

function queryOf(fields) {
  const { url, outcome, ...rest } = fields;
  return { ...WINDOW, url, outcome, filters: readFilters(rest) };
}

function percentiles(times) {
  const sorted = [...times].sort((a, b) => a - b);
  const at = (p) => sorted[Math.min(sorted.length - 1, Math.floor(p * sorted.length))];
  return { p50: at(0.5), p99: at(0.99) };
}

async function timed(iterations, work) {
  const times = [];
  for (let i = 0; i < iterations; i++) {
    const started = performance.now();
    await work(i);
    times.push(performance.now() - started);
  }
  return percentiles(times);
}

const ms = (x) => `${x.toFixed(x < 10 ? 2 : 1)}`;

/** Each case: the store against the naive query, same offsets; the answers are checked equal first. */
async function compare(label, store, naive) {
  console.log(`\n${label}: hot VDN, 7 days; count + a page of 100 at a random offset, ${ITERATIONS} times (ms)`);
  console.log(`${'case'.padEnd(32)} ${'count'.padStart(9)}   store p50 / p99     naive p50 / p99    naive ÷ store (p50)`);
  for (const [name, fields] of CASES) {
    const q = queryOf(fields);
    const { count } = await store.query({ ...q, offset: 0, limit: 1 });
    const offsets = Array.from({ length: ITERATIONS }, (_, i) => Math.floor(((i * 7919) % 1000) / 1000 * Math.max(1, count)));
    const middle = Math.floor(count / 2);
    const check = await store.query({ ...q, offset: middle, limit: 100 });
    const expected = await naive({ ...q, offset: middle, limit: 100 });
    if (check.count !== expected.count || check.records.map((r) => r.id).join() !== expected.ids.join()) throw new Error(`${name}: store and naive disagree`);
    const ours = await timed(ITERATIONS, (i) => store.query({ ...q, offset: offsets[i], limit: 100 }));
    const base = await timed(Math.max(5, Math.floor(ITERATIONS / 10)), (i) => naive({ ...q, offset: offsets[i], limit: 100 }));
    console.log(`${name.padEnd(32)} ${fmt(count).padStart(9)}   ${ms(ours.p50).padStart(6)} / ${ms(ours.p99).padStart(6)}     ${ms(base.p50).padStart(6)} / ${ms(base.p99).padStart(6)}     ${(base.p50 / ours.p50).toFixed(0)}×`);
  }
  for (const [name, fields] of [['stats, 7 days, percentiles', {}], ['stats, 7 days, ak filter', { ak: 'ak-1-2' }]]) {
    const q = { ...queryOf(fields), bucketMs: 3_600_000 };
    const t = await timed(Math.max(10, Math.floor(ITERATIONS / 5)), () => store.stats(q));
    console.log(`${name.padEnd(32)} ${''.padStart(9)}   ${ms(t.p50).padStart(6)} / ${ms(t.p99).padStart(6)}`);
  }
}

const sqlFor = (q, dialect) => ({
  count: bindSql((p) => `SELECT count(*) AS n FROM records WHERE ${windowConditions(q, p)}`, dialect),
  page: bindSql((p) => `SELECT id FROM records WHERE ${windowConditions(q, p)} ORDER BY oper_time DESC, id DESC LIMIT ${p(q.limit)} OFFSET ${p(q.offset)}`, dialect),
});

console.log(`machine: ${cpus().length} x ${cpus()[0].model}, ${Math.round(totalmem() / 2 ** 30)} GiB, node ${process.version}; ${fmt(N)} records`);

if (run('sqlite')) {
  const path = join(keep, `big-${N}.db`);
  if (!existsSync(path)) {
    const store = SqliteStore.open(path);
    await fillStore(store, { count: N, endMs: END, seed: 42 });
    await store.close();
  }
  const store = SqliteStore.open(path);
  const db = new Database(path, { readonly: true });
  const naive = async (q) => {
    const { count, page } = sqlFor(q, 'sqlite');
    return { count: db.prepare(count.text).get(count.values).n, ids: db.prepare(page.text).pluck().all(page.values) };
  };
  await compare('SQLite', store, naive);
  if (values['text-probe']) {
    const rows = db.prepare(WINDOW_TEXT_SQL(() => '?')).raw().all(WINDOW.vdnId, WINDOW.fromMs, WINDOW.toMs);
    reportProbe('SQLite FTS5', probeSqlite(rows, TEXTS));
  }
  db.close();
  await store.close();
}

if (run('postgres')) {
  const name = `calllogs_filters_${N}`;
  const admin = new pg.Client({ connectionString: values.pg });
  await admin.connect();
  const url = Object.assign(new URL(values.pg), { pathname: `/${name}` }).toString();
  const exists = (await admin.query('SELECT 1 FROM pg_database WHERE datname = $1', [name])).rowCount > 0;
  if (!exists || !values.keep) {
    await admin.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
    await admin.query(`CREATE DATABASE ${name}`);
    const store = await PostgresStore.open(url);
    await fillStore(store, { count: N, endMs: END, seed: 42 });
    await store.close();
  }
  const store = await PostgresStore.open(url);
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  await client.query('VACUUM ANALYZE');
  const naive = async (q) => {
    const { count, page } = sqlFor(q, 'postgres');
    return { count: Number((await client.query(count.text, count.values)).rows[0].n), ids: (await client.query(page.text, page.values)).rows.map((r) => r.id) };
  };
  await compare('PostgreSQL', store, naive);
  if (values['text-probe']) {
    reportProbe('PostgreSQL pg_trgm', await probePostgres(client, WINDOW_TEXT_SQL((n) => `$${n}`), [WINDOW.vdnId, WINDOW.fromMs, WINDOW.toMs], TEXTS));
  }
  await client.end();
  await store.close();
  if (!values.keep) await admin.query(`DROP DATABASE ${name} WITH (FORCE)`);
  await admin.end();
}
