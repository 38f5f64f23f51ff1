// What this build's write path costs against another revision's (build first: npm run build): the
// same records (the first --records of the 10M benchmark sequence, so at the store's density and in
// time order, as live traffic arrives) in batches of 1,000 into a fresh store of each build,
// alternating --rounds times (the machine is shared and noisy), both stores; the median cost.
// The other revision is checked out with `git worktree` and built (TypeScript only) on first use.
// Usage: node bench/write-cost.mjs --base REV [--records N] [--rounds R] [--pg URL] [--only sqlite|postgres]
import { execFileSync } from 'node:child_process';
import { existsSync, mkdtempSync, symlinkSync } from 'node:fs';
import { cpus, tmpdir, totalmem } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import pg from 'pg';
import { generateRecords } from './lib/generate.mjs';

const { values } = parseArgs({
  options: {
    base: { type: 'string' },
    records: { type: 'string', default: '300000' },
    rounds: { type: 'string', default: '3' },
    pg: { type: 'string', default: 'postgres://postgres@127.0.0.1:5432/postgres' },
    only: { type: 'string' },
  },
});
if (!values.base) throw new Error('--base REV is required (the revision to compare with)');
const N = Number(values.records);
const ROUNDS = Number(values.rounds);
const fmt = (n) => Math.round(n).toLocaleString('en-US');
const run = (kind) => !values.only || values.only === kind;
const root = new URL('..', import.meta.url).pathname;

/** The other revision, built once into a worktree of its own. */
function buildBase(rev) {
  const commit = execFileSync('git', ['rev-parse', '--short', rev], { cwd: root, encoding: 'utf8' }).trim();
  const dir = join(tmpdir(), `calllogs-base-${commit}`);
  if (!existsSync(join(dir, 'dist/store/sqlite/sqlite-store.js'))) {
    if (!existsSync(dir)) execFileSync('git', ['worktree', 'add', '--detach', dir, commit], { cwd: root, stdio: 'ignore' });
    if (!existsSync(join(dir, 'node_modules'))) symlinkSync(join(root, 'node_modules'), join(dir, 'node_modules'));
    execFileSync('npx', ['tsc', '-p', 'tsconfig.build.json'], { cwd: dir, stdio: 'inherit' });
    execFileSync('node', ['scripts/copy-assets.mjs'], { cwd: dir, stdio: 'inherit' });
  }
  return { commit, dir };
}

const base = buildBase(values.base);
const head = execFileSync('git', ['rev-parse', '--short', 'HEAD'], { cwd: root, encoding: 'utf8' }).trim();
const builds = [
  { name: `this build (${head})`, dist: join(root, 'dist') },
  { name: `base (${base.commit})`, dist: join(base.dir, 'dist') },
];
for (const b of builds) {
  b.SqliteStore = (await import(join(b.dist, 'store/sqlite/sqlite-store.js'))).SqliteStore;
  b.PostgresStore = (await import(join(b.dist, 'store/postgres/postgres-store.js'))).PostgresStore;
}

const batches = [];
let batch = [];
for (const r of generateRecords({ count: 10_000_000, seed: 3 })) {
  batch.push(r);
  if (batch.length === 1000) {
    batches.push(batch);
    batch = [];
  }
  if (batches.length * 1000 >= N) break;
}

async function rate(store) {
  const started = performance.now();
  for (const b of batches) await store.insertBatch(b);
  const perSecond = (batches.length * 1000) / ((performance.now() - started) / 1000);
  await store.close();
  return perSecond;
}

const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];

/** Alternates the builds (which goes first alternates too); prints each round and the median cost. */
async function compare(label, open) {
  const costs = [];
  for (let round = 0; round < ROUNDS; round++) {
    const rates = new Map();
    for (const b of round % 2 ? [...builds].reverse() : builds) rates.set(b, await rate(await open(b, round)));
    const [ours, theirs] = builds.map((b) => rates.get(b));
    costs.push(100 * (1 - ours / theirs));
    console.log(`${label} round ${round + 1}: ${fmt(ours)} vs ${fmt(theirs)} records/s (cost ${costs.at(-1).toFixed(1)} %)`);
  }
  console.log(`${label} median write cost of ${builds[0].name} against ${builds[1].name}: ${median(costs).toFixed(1)} %`);
}

console.log(`machine: ${cpus().length} x ${cpus()[0].model}, ${Math.round(totalmem() / 2 ** 30)} GiB, node ${process.version}; ${fmt(batches.length * 1000)} records in batches of 1,000`);

if (run('sqlite')) {
  const dir = mkdtempSync(join(tmpdir(), 'calllogs-write-cost-'));
  await compare('sqlite  ', (b, round) => b.SqliteStore.open(join(dir, `${builds.indexOf(b)}-${round}.db`)));
  execFileSync('rm', ['-rf', dir]);
}

if (run('postgres')) {
  const admin = new pg.Client({ connectionString: values.pg });
  await admin.connect();
  const made = [];
  try {
    await compare('postgres', async (b, round) => {
      const name = `calllogs_write_cost_${process.pid}_${builds.indexOf(b)}_${round}`;
      await admin.query(`CREATE DATABASE ${name}`);
      made.push(name);
      return b.PostgresStore.open(Object.assign(new URL(values.pg), { pathname: `/${name}` }).toString());
    });
  } finally {
    for (const name of made) await admin.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
    await admin.end();
  }
}
