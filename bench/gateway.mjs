// Issue-3 and issue-14 benchmark: the gateway's cost and the proxies a user would compare it with,
// in one run on this machine (build first: npm run build). The same small upstream (the vendor
// simulator, its own process) answers a small JSON GET in every case; autocannon drives it for
// --duration seconds with --connections keep-alive connections:
//   (a) direct to the upstream;
//   (b) through the gateway (verify mode: C2 check) with recording off (--no-recording);
//   (c) through the gateway recording every call (the default: queued, batched within 50 ms);
//   (d) through the gateway with --durable (each answer waits for its record's group commit);
//   (e)–(i) the peers of bench/lib/peers.mjs, each on one core's worth of threads (nginx one
//       worker, HAProxy nbthread 1, Caddy GOMAXPROCS=1, the Node ones one event loop) with
//       keep-alive upstream connections and a JSON access-log line per call; a peer whose binary
//       is missing is skipped with a message;
//   (j) the gateway recording every call with --workers 2 (two event loops on the one port, each
//       committing its own batches to the one SQLite file), and (k) the same with recording off;
//   (l)–(n) with --baseline DIR (another checkout, built): its gateway as in (b)–(d), so that a
//       change to the gateway shows as a ratio within one run;
//   (o) the floor: a bare Node proxy (bench/lib/bare-proxy.mjs: node:http in, undici out, an
//       access-log line, no checks, no record), what any Node proxy on one event loop can reach here.
// Each case runs --rounds times, the cases interleaved round by round; the table shows each case's
// median round, and each ratio is the median of the ratios within a round (robust to drift).
// Every case is warmed up for --warmup seconds first, on connections of its own. Counted second by
// second from a fresh start, the gateway reached its steady rate in its 5th to 7th second of load
// (V8 still optimizing Node's HTTP code and ours: bench/gateway-instructions.mjs), the bare proxy
// and @fastify/http-proxy in their 4th or 5th, http-proxy in its 2nd; nginx, HAProxy and Caddy need
// none. Hence 6 s: a shorter warm-up measures the JIT, not the proxy.
// --pin gives "one core" its literal meaning: every proxy under test, all its threads included (our
// gateway's sealer and write threads, Node's and Go's helpers, nginx's worker), runs on CPU 0 alone,
// and the load side (this process's autocannon and the upstream) on CPU 1 alone, so that the two
// no longer take turns on both cores. Case (a) then measures the load side's ceiling: a proxy near
// it is held back by CPU 1, not by its own core. The --workers cases keep both CPUs.
// Usage: node bench/gateway.mjs [--duration 10] [--warmup 6] [--connections 32] [--rounds 3] [--only abcdefghijklmno] [--baseline DIR] [--method GET|POST] [--pin]
import autocannon from 'autocannon';
import { mkdtempSync, readFileSync, readdirSync, rmSync, statSync } from 'node:fs';
import { cpus, totalmem, tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { signRequest } from '../dist/auth/sign-request.js';
import { confineSelf, listening, stop } from './lib/processes.mjs';
import { PEERS } from './lib/peers.mjs';

const { values } = parseArgs({
  options: {
    duration: { type: 'string', default: '10' },
    warmup: { type: 'string', default: '6' },
    connections: { type: 'string', default: '32' },
    rounds: { type: 'string', default: '3' },
    only: { type: 'string', default: 'abcdefghijklmno' },
    baseline: { type: 'string' },
    method: { type: 'string', default: 'GET' },
    pin: { type: 'boolean', default: false },
  },
});
const DURATION = Number(values.duration);
const WARMUP = Number(values.warmup);
const CONNECTIONS = Number(values.connections);
const ROUNDS = Number(values.rounds);
// The CPUs of the proxy under test, of the load side, and of the --workers cases (undefined: wherever the kernel puts them).
const [PROXY_CPUS, LOAD_CPUS, BOTH_CPUS] = values.pin ? ['0', '1', '0,1'] : [];
const CLI = new URL('../dist/cli/main.js', import.meta.url).pathname;
const SIMULATOR = new URL('../demo/vendor-simulator.mjs', import.meta.url).pathname;
const BARE_PROXY = new URL('./lib/bare-proxy.mjs', import.meta.url).pathname;
const BASELINE_CLI = values.baseline && join(values.baseline, 'dist/cli/main.js');
// --method POST: a call with a JSON body (what most vendor interfaces take), signed over it.
const CALL = values.method === 'POST'
  ? { method: 'POST', path: '/rest/isales/v1/openapi/campaigns/2/file/addServer', body: '{"vdnId":2,"serverName":"ftp-1","ip":"10.0.0.8","port":21}' }
  : { method: 'GET', path: '/rest/isales/v1/openapi/campaigns/2?status=0&curPage=1&rowsPerPage=3', body: undefined };
const PATH = CALL.path;
const BODY_HEADERS = CALL.body ? { 'content-type': 'application/json' } : {};
const dir = mkdtempSync(join(tmpdir(), 'calllogs-gwbench-'));
const fmt = (n) => Math.round(n).toLocaleString('en-US');

async function load(url, headers = BODY_HEADERS) {
  const request = { url, connections: CONNECTIONS, headers, method: CALL.method, body: CALL.body };
  // Warm-up: connections, JIT, the upstream pool.
  await autocannon({ ...request, duration: WARMUP });
  const r = await autocannon({ ...request, duration: DURATION });
  const bad = r.non2xx + r.errors + r.timeouts;
  if (bad > 0) throw new Error(`${url}: ${bad} failed requests (non-2xx ${r.non2xx}, errors ${r.errors}, timeouts ${r.timeouts})`);

  return { rps: r.requests.average, p50: r.latency.p50, p99: r.latency.p99 };
}

async function gatewayCase(upstream, extra, cli = CLI, cpus = PROXY_CPUS) {
  const db = join(dir, `gw-${Date.now()}.db`);
  const gw = await listening(process.execPath, [cli, 'serve', '--port', '0', '--db', db, '--upstream', upstream, '--log-level', 'warn', ...extra],
    /listening on (\S+)/, { cpus });
  const { ak, sk } = JSON.parse(readFileSync(join(dir, 'credentials.json'), 'utf8'));
  rmSync(join(dir, 'credentials.json'));
  const url = gw.url + PATH;
  try {
    // A signature stays valid within the skew window (15 min), so one signed request is replayed.
    return await load(url, signRequest({ ak, sk, method: CALL.method, url, headers: BODY_HEADERS, body: CALL.body }));
  } finally {
    await stop(gw.child);
  }
}

/** The bare Node proxy's case (o). */
async function bareCase(upstream) {
  const proxy = await listening(process.execPath, [BARE_PROXY, upstream, '0', join(dir, 'bare-access.json')], /listening on (\S+)/, { cpus: PROXY_CPUS });
  try {
    return await load(proxy.url + PATH);
  } finally {
    await stop(proxy.child);
  }
}

/** A peer's case: started for the round, loaded, stopped; undefined when it is not installed. */
async function peerCase(start, upstream) {
  const peer = await start(upstream, dir, PROXY_CPUS);
  if (!peer) return undefined;
  try {
    return await load(peer.url + PATH);
  } finally {
    await peer.stop();
  }
}

console.log(`machine: ${cpus().length} x ${cpus()[0].model}, ${Math.round(totalmem() / 2 ** 30)} GiB, node ${process.version}`);
if (values.pin) {
  confineSelf(LOAD_CPUS);
  console.log(`pinned: each proxy under test on CPU ${PROXY_CPUS}, autocannon and the upstream on CPU ${LOAD_CPUS}; --workers cases on both`);
}
console.log(`load: autocannon, ${CONNECTIONS} connections, ${DURATION} s per case after ${WARMUP} s warm-up, ${ROUNDS} rounds; ${CALL.method} ${PATH}${CALL.body ? ` ${CALL.body}` : ''}`);
const sim = await listening(process.execPath, [SIMULATOR, '--fail-rate', '0'], /listening on (\S+)/, { cpus: LOAD_CPUS });
const letters = 'efghi';
const cases = {
  'a  direct to the upstream': () => load(sim.url + PATH),
  'b  gateway, recording off': () => gatewayCase(sim.url, ['--no-recording']),
  'c  gateway, recording on': () => gatewayCase(sim.url, []),
  'd  gateway, --durable': () => gatewayCase(sim.url, ['--durable']),
  ...Object.fromEntries(Object.entries(PEERS).map(([name, start], i) => [`${letters[i]}  ${name}`, () => peerCase(start, sim.url)])),
  'j  gateway, --workers 2': () => gatewayCase(sim.url, ['--workers', '2'], CLI, BOTH_CPUS),
  'k  --workers 2, recording off': () => gatewayCase(sim.url, ['--workers', '2', '--no-recording'], CLI, BOTH_CPUS),
  ...(values.baseline ? {
    'l  baseline, recording off': () => gatewayCase(sim.url, ['--no-recording'], BASELINE_CLI),
    'm  baseline, recording on': () => gatewayCase(sim.url, [], BASELINE_CLI),
    'n  baseline, --durable': () => gatewayCase(sim.url, ['--durable'], BASELINE_CLI),
  } : {}),
  'o  bare Node proxy (floor)': () => bareCase(sim.url),
};
const results = Object.fromEntries(Object.keys(cases).map((k) => [k, []]));
try {
  for (let round = 1; round <= ROUNDS; round++) {
    for (const [name, run] of Object.entries(cases)) {
      if (!values.only.includes(name[0])) continue;
      const r = await run();
      if (r) results[name][round] = r;
      if (r) console.log(`round ${round}  ${name.padEnd(30)} ${fmt(r.rps).padStart(7)} req/s   p50 ${r.p50} ms   p99 ${r.p99} ms`);
      else console.log(`round ${round}  ${name.padEnd(30)} skipped: not installed (apt-get install nginx haproxy caddy)`);
    }
  }
} finally {
  await stop(sim.child);
}

const median = (name) => {
  const rs = results[name].filter(Boolean).sort((x, y) => x.rps - y.rps);
  return rs[Math.floor(rs.length / 2)];
};
console.log('\nmedian round:');
console.log('case                           req/s    p50 ms   p99 ms');
for (const name of Object.keys(cases)) {
  const r = median(name);
  if (r) console.log(`${name.padEnd(30)} ${fmt(r.rps).padStart(8)} ${String(r.p50).padStart(8)} ${String(r.p99).padStart(8)}`);
}
const ratio = (x, y) => {
  const within = results[x].flatMap((r, round) => (r && results[y][round] ? [r.rps / results[y][round].rps] : [])).sort((p, q) => p - q);
  if (within.length === 0) return 'n/a';
  const middle = within[Math.floor(within.length / 2)];
  return `${(middle * 100).toFixed(1)} % (rounds: ${within.map((v) => (v * 100).toFixed(0)).join(', ')})`;
};
const named = (letter) => Object.keys(cases).find((name) => name[0] === letter);
const [a, b, c, d, j, k, o] = [...'abcdjko'].map(named);
const peers = [...'efghi'].map(named);
console.log(`\nrecording on / recording off (c/b): ${ratio(c, b)}   (target >= 85 %)`);
console.log(`durable / recording on       (d/c): ${ratio(d, c)}   (target >= 80 %)`);
console.log(`gateway off / direct         (b/a): ${ratio(b, a)}`);
for (const peer of peers) console.log(`recording on / ${peer.slice(3).padEnd(27)} (c/${peer[0]}): ${ratio(c, peer)}`);
console.log(`recording on / bare Node proxy (c/o): ${ratio(c, o)}`);
for (const peer of peers) console.log(`bare Node proxy / ${peer.slice(3).padEnd(24)} (o/${peer[0]}): ${ratio(o, peer)}`);
console.log(`--workers 2 / one event loop (j/c): ${ratio(j, c)}   (this machine: 2 cores shared with the upstream and autocannon)`);
console.log(`--workers 2: recording on / off (j/k): ${ratio(j, k)}`);
if (values.baseline) {
  for (const [ours, base] of [[b, 'l'], [c, 'm'], [d, 'n']]) {
    console.log(`this checkout / baseline, ${ours.slice(3).padEnd(18)} (${ours[0]}/${base}): ${ratio(ours, named(base))}`);
  }
}
const [ours, caddy] = [median(c), median(peers.find((p) => p.includes('Caddy')))];
if (ours && caddy) console.log(`p99: gateway ${ours.p99} ms, Caddy ${caddy.p99} ms   (target: no worse)`);
// Each access log with the files it was rolled into (Caddy rolls its log at 100 MiB: caddy-access-<time>.json).
const logBytes = new Map();
for (const file of readdirSync(dir).filter((f) => /-access(-.+)?\.json$/.test(f))) {
  const log = `${file.slice(0, file.indexOf('-access'))}-access.json`;
  logBytes.set(log, (logBytes.get(log) ?? 0) + statSync(join(dir, file)).size);
}
for (const [log, bytes] of logBytes) console.log(`${log} (and its rolled files): ${fmt(bytes)} bytes written`);
rmSync(dir, { recursive: true, force: true });
