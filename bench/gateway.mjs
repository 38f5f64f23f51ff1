// Issue-3 benchmark: the gateway's cost, in one run on this machine (build first: npm run build).
// The same small upstream (the vendor simulator, its own process) answers a small JSON GET in
// every case; autocannon drives it for --duration seconds with --connections keep-alive connections:
//   (a) direct to the upstream;
//   (b) through the gateway (verify mode: C2 check) with recording off (--no-recording);
//   (c) through the gateway recording every call (the default: queued, batched within 50 ms);
//   (d) through the gateway with --durable (each answer waits for its record's group commit);
//   (e) through nginx (Debian's package, one worker like the gateway's one event loop) as a
//       reverse proxy with keep-alive upstream connections, writing a JSON access log line per call.
// Each case runs --rounds times, the cases interleaved round by round; the table shows each case's
// median round, and each ratio is the median of the ratios within a round (robust to drift).
// Usage: node bench/gateway.mjs [--duration 10] [--connections 32] [--rounds 3] [--only abcde]
import autocannon from 'autocannon';
import { spawn, spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync, statSync } from 'node:fs';
import { cpus, totalmem, tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { signRequest } from '../dist/auth/sign-request.js';

const { values } = parseArgs({
  options: {
    duration: { type: 'string', default: '10' },
    connections: { type: 'string', default: '32' },
    rounds: { type: 'string', default: '3' },
    only: { type: 'string', default: 'abcde' },
  },
});
const DURATION = Number(values.duration);
const CONNECTIONS = Number(values.connections);
const ROUNDS = Number(values.rounds);
const CLI = new URL('../dist/cli/main.js', import.meta.url).pathname;
const SIMULATOR = new URL('../demo/vendor-simulator.mjs', import.meta.url).pathname;
const PATH = '/rest/isales/v1/openapi/campaigns/2?status=0&curPage=1&rowsPerPage=3';
const dir = mkdtempSync(join(tmpdir(), 'calllogs-gwbench-'));
const fmt = (n) => Math.round(n).toLocaleString('en-US');

/** Spawns a process and resolves once its output says it listens, with the URL it printed. */
function listening(command, args, pattern) {
  const child = spawn(command, args, { stdio: ['ignore', 'pipe', 'pipe'] });
  return new Promise((resolve, reject) => {
    let out = '';
    const look = (d) => {
      out += d;
      const m = pattern.exec(out);
      if (m) resolve({ child, url: m[1] });
    };
    child.stdout.on('data', look);
    child.stderr.on('data', look);
    child.once('exit', (code) => reject(new Error(`${command} exited with ${code}: ${out}`)));
  });
}

async function stop(child) {
  const exited = new Promise((r) => child.once('exit', r));
  child.kill('SIGTERM');
  await exited;
}

async function load(url, headers = {}) {
  // Warm-up: connections, JIT, the upstream pool.
  await autocannon({ url, connections: CONNECTIONS, duration: 2, headers });
  const r = await autocannon({ url, connections: CONNECTIONS, duration: DURATION, headers });
  const bad = r.non2xx + r.errors + r.timeouts;
  if (bad > 0) throw new Error(`${url}: ${bad} failed requests (non-2xx ${r.non2xx}, errors ${r.errors}, timeouts ${r.timeouts})`);

  return { rps: r.requests.average, p50: r.latency.p50, p99: r.latency.p99 };
}

async function gatewayCase(upstream, extra) {
  const db = join(dir, `gw-${Date.now()}.db`);
  const gw = await listening(process.execPath, [CLI, 'serve', '--port', '0', '--db', db, '--upstream', upstream, '--log-level', 'warn', ...extra],
    /listening on (\S+)/);
  const { ak, sk } = JSON.parse(readFileSync(join(dir, 'credentials.json'), 'utf8'));
  rmSync(join(dir, 'credentials.json'));
  const url = gw.url + PATH;
  try {
    // A signature stays valid within the skew window (15 min), so one signed request is replayed.
    return await load(url, signRequest({ ak, sk, method: 'GET', url }));
  } finally {
    await stop(gw.child);
  }
}

function nginxConfig(upstreamPort, port) {
  const log = join(dir, 'access.json');
  return `
worker_processes 1;
daemon off;
user root;
pid ${dir}/nginx.pid;
error_log ${dir}/nginx-error.log warn;
events { worker_connections 4096; }
http {
  log_format calls escape=json '{"time":"$time_iso8601","client":"$remote_addr","method":"$request_method",'
    '"uri":"$request_uri","status":$status,"bytes":$body_bytes_sent,"requestTime":$request_time,'
    '"upstreamTime":"$upstream_response_time"}';
  access_log ${log} calls;
  client_body_temp_path ${dir}/nginx-body;
  proxy_temp_path ${dir}/nginx-proxy;
  fastcgi_temp_path ${dir}/nginx-fastcgi;
  uwsgi_temp_path ${dir}/nginx-uwsgi;
  scgi_temp_path ${dir}/nginx-scgi;
  upstream isales { server 127.0.0.1:${upstreamPort}; keepalive 64; keepalive_requests 10000000; }
  server {
    listen 127.0.0.1:${port};
    keepalive_requests 10000000;
    location / {
      proxy_pass http://isales;
      proxy_http_version 1.1;
      proxy_set_header Connection "";
      proxy_set_header Host $http_host;
    }
  }
}`;
}

async function nginxCase(upstream) {
  const nginx = spawnSync('sh', ['-c', 'command -v nginx'], { encoding: 'utf8' }).stdout.trim();
  if (!nginx) return undefined;
  const port = 20000 + Math.floor(Math.random() * 20000);
  const conf = join(dir, 'nginx.conf');
  writeFileSync(conf, nginxConfig(new URL(upstream).port, port));
  const child = spawn(nginx, ['-c', conf, '-p', dir], { stdio: 'ignore' });
  await new Promise((r) => setTimeout(r, 500));
  try {
    return await load(`http://127.0.0.1:${port}${PATH}`);
  } catch (error) {
    console.log(readFileSync(join(dir, 'nginx-error.log'), 'utf8').split('\n').slice(-5).join('\n'));
    throw error;
  } finally {
    child.kill('SIGQUIT');
    await new Promise((r) => child.once('exit', r));
  }
}

console.log(`machine: ${cpus().length} x ${cpus()[0].model}, ${Math.round(totalmem() / 2 ** 30)} GiB, node ${process.version}`);
console.log(`load: autocannon, ${CONNECTIONS} connections, ${DURATION} s per case after 2 s warm-up, ${ROUNDS} rounds; GET ${PATH}`);
const sim = await listening(process.execPath, [SIMULATOR, '--fail-rate', '0'], /listening on (\S+)/);
const cases = {
  'a  direct to the upstream': () => load(sim.url + PATH),
  'b  gateway, recording off': () => gatewayCase(sim.url, ['--no-recording']),
  'c  gateway, recording on': () => gatewayCase(sim.url, []),
  'd  gateway, --durable': () => gatewayCase(sim.url, ['--durable']),
  'e  nginx, JSON access log': () => nginxCase(sim.url),
};
const results = Object.fromEntries(Object.keys(cases).map((k) => [k, []]));
try {
  for (let round = 1; round <= ROUNDS; round++) {
    for (const [name, run] of Object.entries(cases)) {
      if (!values.only.includes(name[0])) continue;
      const r = await run();
      if (r) results[name][round] = r;
      if (r) console.log(`round ${round}  ${name.padEnd(28)} ${fmt(r.rps).padStart(7)} req/s   p50 ${r.p50} ms   p99 ${r.p99} ms`);
      else console.log(`round ${round}  ${name.padEnd(28)} skipped: nginx is not installed (apt-get install nginx)`);
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
  if (r) console.log(`${name.padEnd(28)} ${fmt(r.rps).padStart(8)} ${String(r.p50).padStart(8)} ${String(r.p99).padStart(8)}`);
}
const ratio = (x, y) => {
  const within = results[x].flatMap((r, round) => (r && results[y][round] ? [r.rps / results[y][round].rps] : [])).sort((p, q) => p - q);
  if (within.length === 0) return 'n/a';
  const middle = within[Math.floor(within.length / 2)];
  return `${(middle * 100).toFixed(1)} % (rounds: ${within.map((v) => (v * 100).toFixed(0)).join(', ')})`;
};
const [a, b, c, d, e] = Object.keys(cases);
console.log(`\nrecording on / recording off (c/b): ${ratio(c, b)}   (target >= 85 %)`);
console.log(`recording on / nginx         (c/e): ${ratio(c, e)}   (target >= 50 %)`);
console.log(`durable / recording on       (d/c): ${ratio(d, c)}`);
console.log(`gateway off / direct         (b/a): ${ratio(b, a)}`);
console.log(`nginx / direct               (e/a): ${ratio(e, a)}`);
try {
  console.log(`nginx access log: ${fmt(statSync(join(dir, 'access.json')).size)} bytes written`);
} catch { /* nginx skipped */ }
rmSync(dir, { recursive: true, force: true });
