// The gateway's own CPU time per forwarded call (user and system time of the `calllogs serve`
// process divided by the calls it answered), which the load generator and the upstream sharing
// this machine's cores do not disturb the way they disturb throughput; split into the event loop's
// thread and the others (the sealer, SQLite's write thread when there is one, V8's helpers). Cases,
// run alternately: this checkout recording (verify + record), this checkout with --no-recording,
// the floor (bench/lib/bare-proxy.mjs: what any Node proxy pays here, with an access-log line), and
// with --baseline another checkout's build (a worktree of an earlier commit, built), recording.
// The calls are the benchmark's signed GET, or with --body BYTES a signed POST of a JSON body of about
// that size (a bulk list of numbers to call, with its VDN: what the body's VDN reading, redaction
// and the record cost).
// Usage: npm run build && node bench/gateway-cpu.mjs [--baseline DIR] [--rounds 3] [--calls 30000] [--body BYTES]
import { setTimeout as sleep } from 'node:timers/promises';
import autocannon from 'autocannon';
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { signRequest } from '../dist/auth/sign-request.js';
import { listening } from './lib/processes.mjs';

const { values } = parseArgs({
  options: {
    baseline: { type: 'string' },
    rounds: { type: 'string', default: '3' },
    calls: { type: 'string', default: '30000' },
    body: { type: 'string', default: '0' },
  },
});
const HERE = fileURLToPath(new URL('..', import.meta.url));
const BODY_BYTES = Number(values.body);
const PATH = BODY_BYTES ? '/rest/isales/v1/openapi/obs/business/callnos' : '/rest/isales/v1/openapi/campaigns/2?status=0&curPage=1&rowsPerPage=3';
const METHOD = BODY_BYTES ? 'POST' : 'GET';
/** About BODY_BYTES of JSON: a VDN and numbers to call (14 bytes each as JSON). */
const BODY = BODY_BYTES
  ? JSON.stringify({ vdnId: 2, callNos: Array.from({ length: Math.max(1, Math.round(BODY_BYTES / 14)) }, (_, i) => String(13800000000 + i)) })
  : undefined;
const BODY_HEADERS = BODY ? { 'content-type': 'application/json' } : {};
const CALLS = Number(values.calls);
const BARE_PROXY = new URL('./lib/bare-proxy.mjs', import.meta.url).pathname;

/** User and system milliseconds of a process's threads: its main thread (the event loop) and the rest (Linux /proc, 10 ms ticks). */
function cpuMs(pid) {
  const out = { loopUser: 0, loopSys: 0, otherUser: 0, otherSys: 0 };
  for (const tid of readdirSync(`/proc/${pid}/task`)) {
    let stat;
    try {
      stat = readFileSync(`/proc/${pid}/task/${tid}/stat`, 'utf8');
    } catch {
      continue; // a thread that ended meanwhile; its time stays in the process total only
    }
    const fields = stat.split(') ')[1].split(' ');
    const [user, sys] = [Number(fields[11]) * 10, Number(fields[12]) * 10];
    if (tid === String(pid)) [out.loopUser, out.loopSys] = [user, sys];
    else [out.otherUser, out.otherSys] = [out.otherUser + user, out.otherSys + sys];
  }
  return out;
}

const load = (url, headers, amount) =>
  new Promise((resolve, reject) =>
    autocannon({ url, method: METHOD, headers, body: BODY, connections: 16, amount }, (e, r) => (e ? reject(e) : resolve(r))));

/** Starts a case's process; resolves with it, the URL to load, the headers to send and its directory. */
async function gateway(root, extra) {
  const dir = mkdtempSync(join(tmpdir(), 'calllogs-cpu-'));
  const db = join(dir, 'calllogs.db');
  const gw = await listening(process.execPath, [join(root, 'dist/cli/main.js'), 'serve', '--port', '0', '--db', db, '--upstream', upstream.url, '--log-level', 'warn', ...extra]);
  const { ak, sk } = JSON.parse(readFileSync(join(db, '..', 'credentials.json'), 'utf8'));
  const url = gw.url + PATH;
  return { child: gw.child, url, headers: signRequest({ ak, sk, method: METHOD, url, headers: BODY_HEADERS, body: BODY }), dir };
}

async function bareProxy() {
  const dir = mkdtempSync(join(tmpdir(), 'calllogs-cpu-'));
  const proxy = await listening(process.execPath, [BARE_PROXY, upstream.url, '0', join(dir, 'access.json')]);
  return { child: proxy.child, url: proxy.url + PATH, headers: BODY_HEADERS, dir };
}

async function measure(start) {
  const { child, url, headers, dir } = await start();
  try {
    await load(url, headers, 5000); // warm-up: JIT, connections
    const before = cpuMs(child.pid);
    const r = await load(url, headers, CALLS);
    if (r.non2xx + r.errors > 0) throw new Error(`${r.non2xx} non-2xx, ${r.errors} errors`);
    // The last calls' records written and sealed (the sealer runs every second) within the time measured.
    await sleep(1500);
    const after = cpuMs(child.pid);
    const per = (key) => ((after[key] - before[key]) * 1000) / r.requests.total;
    const split = { loopUser: per('loopUser'), loopSys: per('loopSys'), otherUser: per('otherUser'), otherSys: per('otherSys') };
    return { total: split.loopUser + split.loopSys + split.otherUser + split.otherSys, ...split };
  } finally {
    child.kill('SIGTERM');
    await new Promise((resolve) => child.once('exit', resolve));
    rmSync(dir, { recursive: true, force: true });
  }
}

const upstream = await listening(process.execPath, [join(HERE, 'demo/vendor-simulator.mjs'), '--fail-rate', '0']);
const cases = {
  'this': () => gateway(HERE, []),
  'this, no recording': () => gateway(HERE, ['--no-recording']),
  'bare Node proxy': bareProxy,
  ...(values.baseline ? { baseline: () => gateway(values.baseline, []) } : {}),
};
const results = Object.fromEntries(Object.keys(cases).map((name) => [name, []]));
const fmt = (x) => x.toFixed(1).padStart(6);
const line = (m) => `${fmt(m.total)} µs   event loop ${fmt(m.loopUser)} user ${fmt(m.loopSys)} sys   other threads ${fmt(m.otherUser)} user ${fmt(m.otherSys)} sys`;
const call = BODY ? `POST ${PATH} with ${BODY.length.toLocaleString('en-US')} bytes of JSON` : `GET ${PATH}`;
console.log(`CPU per call: ${call}, ${CALLS} calls per round, 16 connections; gateways verify (and record)`);
try {
  for (let round = 1; round <= Number(values.rounds); round += 1) {
    for (const [name, start] of Object.entries(cases)) {
      const m = await measure(start);
      results[name].push(m);
      console.log(`round ${round}  ${name.padEnd(18)} ${line(m)}`);
    }
  }
} finally {
  upstream.child.kill('SIGTERM');
}
const median = (name) => {
  const ms = [...results[name]].sort((a, b) => a.total - b.total);
  return ms[Math.floor(ms.length / 2)];
};
for (const name of Object.keys(cases)) console.log(`median   ${name.padEnd(18)} ${line(median(name))}`);
const ratio = (x, y) => `${((median(x).total / median(y).total) * 100).toFixed(1)} %`;
console.log(`this / bare Node proxy: ${ratio('this', 'bare Node proxy')}; no recording / bare: ${ratio('this, no recording', 'bare Node proxy')}; this / no recording: ${ratio('this', 'this, no recording')}`);
if (values.baseline) console.log(`this / baseline: ${ratio('this', 'baseline')}`);
