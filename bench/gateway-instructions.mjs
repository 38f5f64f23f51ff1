// The gateway's work per forwarded call counted in instructions, which a shared, noisy machine does
// not disturb the way it disturbs CPU time (bench/gateway-cpu.mjs swings ±15 % between rounds here).
// Each case runs under valgrind's callgrind (Debian's valgrind) in front of the vendor simulator; it
// gets --warm calls of the benchmark's signed GET (the JIT settles), its counters are zeroed, --calls
// more are sent (16 connections), and 1.5 s later (the last batch written and sealed) they are dumped:
// the instructions of exactly those calls, by thread. Two runs of one build agreed on the event
// loop's count within 0.8 % and 1.8 % (two builds), and 12 % apart for a third build, the higher
// run's other threads showing the JIT still compiling: so each case runs --runs times and its
// fewest instructions count (noise only adds work). The warm-up is 30,000 calls: after 8,000 (the
// first default) V8 was still optimizing and deoptimizing Node's HTTP code (--trace-opt: 46–76
// optimizations in the next 8,000 calls, 2–18 after 24,000), and a change to the recording path
// measured 6.8 % worse after 8,000 calls and 6.2 % better after 30,000. What it does not see: the kernel's share (the
// socket reads and writes), cache misses, and waiting; so it ranks changes to the code a call runs,
// and bench/gateway.mjs remains the measure of rates. Cases: this checkout recording (verify + record) and not, the bare
// Node proxy (bench/lib/bare-proxy.mjs), and with --baseline another checkout's build, both modes.
// Usage: npm run build && node bench/gateway-instructions.mjs [--baseline DIR] [--cases on,off,bare] [--runs 2] [--warm 30000] [--calls 3000]
import autocannon from 'autocannon';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { signRequest } from '../dist/auth/sign-request.js';
import { listening, stop } from './lib/processes.mjs';

const { values } = parseArgs({
  options: {
    baseline: { type: 'string' },
    cases: { type: 'string' },
    warm: { type: 'string', default: '30000' },
    calls: { type: 'string', default: '3000' },
    runs: { type: 'string', default: '2' },
  },
});
const HERE = fileURLToPath(new URL('..', import.meta.url));
const PATH = '/rest/isales/v1/openapi/campaigns/2?status=0&curPage=1&rowsPerPage=3';
const BARE_PROXY = new URL('./lib/bare-proxy.mjs', import.meta.url).pathname;
const [WARM, CALLS, RUNS] = [Number(values.warm), Number(values.calls), Number(values.runs)];

try {
  execFileSync('valgrind', ['--version'], { stdio: 'ignore' });
} catch {
  console.log('valgrind is not installed (apt-get install valgrind): nothing measured');
  process.exit(0);
}

const ALL_CASES = {
  on: { label: 'this, recording', root: HERE, extra: [] },
  off: { label: 'this, no recording', root: HERE, extra: ['--no-recording'] },
  bare: { label: 'bare Node proxy', bare: true },
  ...(values.baseline
    ? { 'base-on': { label: 'baseline, recording', root: values.baseline, extra: [] }, 'base-off': { label: 'baseline, no recording', root: values.baseline, extra: ['--no-recording'] } }
    : {}),
};
const chosen = values.cases ? values.cases.split(',') : Object.keys(ALL_CASES);
for (const name of chosen) if (!ALL_CASES[name]) throw new Error(`unknown case ${name}; cases: ${Object.keys(ALL_CASES).join(', ')}`);

/** Instructions in each thread's part of the dump (callgrind numbers threads from 1, the main thread). */
function instructionsByThread(dir, pid) {
  const counts = {};
  for (const file of readdirSync(dir).filter((f) => f.startsWith(`cg.${pid}.1-`))) {
    counts[Number(file.split('-').at(-1))] = Number(/^summary: (\d+)$/m.exec(readFileSync(join(dir, file), 'utf8'))[1]);
  }
  return counts;
}

async function measure({ root, extra, bare }, upstreamUrl) {
  const dir = mkdtempSync(join(tmpdir(), 'calllogs-instr-'));
  const program = bare ? [BARE_PROXY, upstreamUrl, '0', join(dir, 'access.json')]
    : [join(root, 'dist/cli/main.js'), 'serve', '--port', '0', '--db', join(dir, 'calllogs.db'), '--upstream', upstreamUrl, '--log-level', 'warn', ...extra];
  const gw = await listening('valgrind', ['--tool=callgrind', '--separate-threads=yes', `--callgrind-out-file=${dir}/cg.%p`, process.execPath, ...program]);
  try {
    let headers = {};
    if (!bare) {
      const { ak, sk } = JSON.parse(readFileSync(join(dir, 'credentials.json'), 'utf8'));
      headers = signRequest({ ak, sk, method: 'GET', url: gw.url + PATH });
    }
    const load = (amount) =>
      new Promise((resolve, reject) => autocannon({ url: gw.url + PATH, headers, connections: 16, amount, timeout: 60 }, (e, r) => (e ? reject(e) : resolve(r))));
    await load(WARM);
    execFileSync('callgrind_control', ['-z', String(gw.child.pid)], { stdio: 'ignore' });
    const r = await load(CALLS);
    if (r.non2xx + r.errors > 0) throw new Error(`${r.non2xx} non-2xx, ${r.errors} errors`);
    await sleep(1500);
    execFileSync('callgrind_control', ['-d', String(gw.child.pid)], { stdio: 'ignore' });
    const threads = instructionsByThread(dir, gw.child.pid);
    const loop = threads[1] / r.requests.total;
    const others = Object.entries(threads).filter(([t]) => t !== '1').reduce((sum, [, n]) => sum + n, 0) / r.requests.total;
    return { loop, others, total: loop + others };
  } finally {
    await stop(gw.child);
    rmSync(dir, { recursive: true, force: true });
  }
}

const upstream = await listening(process.execPath, [join(HERE, 'demo/vendor-simulator.mjs'), '--fail-rate', '0']);
const results = {};
const k = (n) => `${(n / 1000).toFixed(1).padStart(7)}k`;
console.log(`Instructions per call under callgrind: GET ${PATH}, ${WARM} calls of warm-up, ${CALLS} counted, 16 connections, the fewest of ${RUNS} runs`);
const line = (m) => `${k(m.total)}   event loop ${k(m.loop)}   other threads ${k(m.others)}`;
try {
  for (let run = 1; run <= RUNS; run += 1) {
    for (const name of chosen) {
      const m = await measure(ALL_CASES[name], upstream.url);
      if (!results[name] || m.loop < results[name].loop) results[name] = m;
      console.log(`run ${run}  ${ALL_CASES[name].label.padEnd(24)} ${line(m)}`);
    }
  }
} finally {
  await stop(upstream.child);
}
for (const name of chosen) console.log(`fewest  ${ALL_CASES[name].label.padEnd(24)} ${line(results[name])}`);
const ratio = (a, b, key) => (results[a] && results[b] ? `${((results[a][key] / results[b][key]) * 100).toFixed(1)} %` : undefined);
for (const [a, b] of [['on', 'base-on'], ['off', 'base-off'], ['on', 'off'], ['off', 'bare'], ['on', 'bare']]) {
  const total = ratio(a, b, 'total');
  if (total) console.log(`${ALL_CASES[a].label} / ${ALL_CASES[b].label}: ${total} (event loop ${ratio(a, b, 'loop')})`);
}
