// What a batch of records costs SQLite by its size (build first: npm run build): the records, their
// tallies and counts in one transaction (the store's `insertBatch`), on a fresh file per case. The
// gateway's writer commits a batch every 50 ms, so its batches are as large as the rate makes them
// (~450 records at 9,000 calls/s), and --durable's as many as arrive during a commit (~12 on the
// gateway benchmark): this shows what each commit costs beyond its records. Two connections as the
// server opens them: the event loop's (synchronous NORMAL; the sealer's thread checkpoints the WAL,
// so none here) and --durable's write thread's (synchronous FULL: an fsync a commit; it checkpoints
// its own WAL). Also the WAL frames (4 KiB pages) each commit writes. Records: the gateway
// benchmark's call as the gateway records it (one VDN, one key); --mixed: the 10M benchmark's
// records in time order (100 VDNs, so a batch touches more index pages).
// Usage: node bench/commit-cost.mjs [--sizes 1,11,50,450,1000] [--records 60000] [--rounds 3] [--mixed]
import { mkdtempSync, rmSync, statSync } from 'node:fs';
import { cpus, tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { createIdGenerator } from '../dist/record/ids.js';
import { createRedactor } from '../dist/record/redact.js';
import { recordOf } from '../dist/server/plugins/recording.js';
import { SqliteStore } from '../dist/store/sqlite/sqlite-store.js';
import { generateRecords } from './lib/generate.mjs';

const { values } = parseArgs({
  options: {
    sizes: { type: 'string', default: '1,11,50,450,1000' },
    records: { type: 'string', default: '60000' },
    rounds: { type: 'string', default: '3' },
    mixed: { type: 'boolean', default: false },
  },
});
const SIZES = values.sizes.split(',').map(Number);
const N = Number(values.records);
const ROUNDS = Number(values.rounds);
/** Commits timed per case at most: a batch of one record costs a commit each. */
const MAX_COMMITS = 3000;

function gatewayRecords(count) {
  const ids = createIdGenerator();
  const redact = createRedactor();
  const target = { path: '/rest/isales/v1/openapi/campaigns/2', query: 'status=0&curPage=1&rowsPerPage=3', recorded: true, refusal: undefined };
  const start = Date.now();
  return Array.from({ length: count }, (_, i) => recordOf({
    receivedAt: start + Math.floor(i / 10), target, method: 'GET', pathParams: { vdnId: '2' }, body: undefined,
    result: { code: '0200000', desc: 'success' }, httpStatus: 200, vdnId: 2, ak: 'ak-bench', clientIp: '127.0.0.1', durationMs: 1.234,
  }, { ids, redact }));
}

function mixedRecords(count) {
  const records = [];
  for (const r of generateRecords({ count: 10_000_000, seed: 3 })) {
    records.push(r);
    if (records.length === count) break;
  }
  return records;
}

const records = values.mixed ? mixedRecords(N) : gatewayRecords(N);
const CONNECTIONS = {
  'event loop': { options: { walCheckpoints: 'left-to-sealer' }, checkpoints: false },
  "durable's": { options: { durable: true }, checkpoints: true },
};

/** µs a record and WAL frames a commit, writing `records` in batches of `size` into a fresh file. */
async function measure(size, { options, checkpoints }) {
  const dir = mkdtempSync(join(tmpdir(), 'calllogs-commit-'));
  try {
    const path = join(dir, 'calllogs.db');
    const store = SqliteStore.open(path, { ...options, warn: () => undefined });
    // The event loop's connection leaves checkpoints to the sealer's thread, which is not here.
    if (!checkpoints) store['db'].pragma('wal_autocheckpoint = 0');
    const batches = [];
    for (let i = 0; i + size <= records.length && batches.length < MAX_COMMITS; i += size) batches.push(records.slice(i, i + size));
    // The first tenth warms the statements and the page cache; the file is not empty when timing starts.
    const warm = Math.max(1, Math.floor(batches.length / 10));
    for (const batch of batches.slice(0, warm)) await store.insertBatch(batch);
    const walBefore = statSync(`${path}-wal`).size;
    const started = performance.now();
    for (const batch of batches.slice(warm)) await store.insertBatch(batch);
    const us = ((performance.now() - started) * 1000) / ((batches.length - warm) * size);
    const frames = checkpoints ? undefined : (statSync(`${path}-wal`).size - walBefore) / (4096 + 24) / (batches.length - warm);
    await store.close();
    return { us, frames };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
console.log(`machine: ${cpus().length} x ${cpus()[0]?.model.trim()}, node ${process.version}`);
console.log(`${values.mixed ? 'the 10M benchmark\'s records' : 'the gateway benchmark\'s call'}, up to ${N.toLocaleString('en-US')} records a case, median of ${ROUNDS} rounds`);
console.log('connection        batch    µs a record    µs a commit    WAL frames a commit');
for (const [name, connection] of Object.entries(CONNECTIONS)) {
  for (const size of SIZES) {
    const runs = [];
    for (let round = 0; round < ROUNDS; round++) runs.push(await measure(size, connection));
    const us = median(runs.map((r) => r.us));
    const frames = runs[0].frames === undefined ? '(checkpoints)' : median(runs.map((r) => r.frames)).toFixed(1);
    console.log(`${name.padEnd(16)} ${String(size).padStart(6)} ${us.toFixed(2).padStart(14)} ${(us * size).toFixed(0).padStart(14)}    ${frames}`);
  }
}
