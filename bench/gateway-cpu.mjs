// The gateway's own CPU time per forwarded call (user + system time of the `calllogs serve` process
// divided by the calls it answered), which the load generator and the upstream sharing this
// machine's cores do not disturb the way they disturb throughput. With --baseline, another
// checkout's build (e.g. a worktree of an earlier commit, built) runs alternately with this one and
// the ratio is printed: the way to show what a change to the request path costs.
// Usage: npm run build && node bench/gateway-cpu.mjs [--baseline DIR] [--rounds 3] [--calls 30000]
import { setTimeout as sleep } from 'node:timers/promises';
import autocannon from 'autocannon';
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { signRequest } from '../dist/auth/sign-request.js';
import { listening } from './lib/processes.mjs';

const { values } = parseArgs({
  options: { baseline: { type: 'string' }, rounds: { type: 'string', default: '3' }, calls: { type: 'string', default: '30000' } },
});
const HERE = fileURLToPath(new URL('..', import.meta.url));
const builds = { this: HERE, ...(values.baseline ? { baseline: values.baseline } : {}) };
const PATH = '/rest/isales/v1/openapi/campaigns/2?status=0&curPage=1&rowsPerPage=3';
const CALLS = Number(values.calls);

/** utime + stime of a process, milliseconds (Linux /proc, 10 ms clock ticks). */
function cpuMs(pid) {
  const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1].split(' ');
  return (Number(fields[11]) + Number(fields[12])) * 10;
}

const load = (url, headers, amount) =>
  new Promise((resolve, reject) => autocannon({ url, headers, connections: 16, amount }, (e, r) => (e ? reject(e) : resolve(r))));

async function measure(root) {
  const db = join(mkdtempSync(join(tmpdir(), 'calllogs-cpu-')), 'calllogs.db');
  const gw = await listening(process.execPath, [join(root, 'dist/cli/main.js'), 'serve', '--port', '0', '--db', db, '--upstream', upstream.url, '--log-level', 'warn']);
  try {
    const { ak, sk } = JSON.parse(readFileSync(join(db, '..', 'credentials.json'), 'utf8'));
    const url = gw.url + PATH;
    const headers = signRequest({ ak, sk, method: 'GET', url });
    await load(url, headers, 5000); // warm-up: JIT, connections
    const before = cpuMs(gw.child.pid);
    const r = await load(url, headers, CALLS);
    if (r.non2xx + r.errors > 0) throw new Error(`${root}: ${r.non2xx} non-2xx, ${r.errors} errors`);
    // The last calls' records written and sealed (the sealer runs every second) within the time measured.
    await sleep(1500);
    return ((cpuMs(gw.child.pid) - before) * 1000) / r.requests.total;
  } finally {
    gw.child.kill('SIGTERM');
    await new Promise((resolve) => gw.child.once('exit', resolve));
  }
}

const upstream = await listening(process.execPath, [join(HERE, 'demo/vendor-simulator.mjs'), '--fail-rate', '0']);
const results = Object.fromEntries(Object.keys(builds).map((name) => [name, []]));
console.log(`gateway CPU per call: verify + record, GET ${PATH}, ${CALLS} calls per round, 16 connections`);
for (let round = 1; round <= Number(values.rounds); round += 1) {
  for (const [name, root] of Object.entries(builds)) {
    const us = await measure(root);
    results[name].push(us);
    console.log(`round ${round}  ${name.padEnd(8)} ${us.toFixed(1)} µs`);
  }
}
upstream.child.kill('SIGTERM');
const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
for (const [name, xs] of Object.entries(results)) console.log(`median   ${name.padEnd(8)} ${median(xs).toFixed(1)} µs`);
if (results.baseline) console.log(`this / baseline: ${((median(results.this) / median(results.baseline)) * 100).toFixed(1)} %`);
