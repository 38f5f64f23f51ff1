// The default gateway's tail under a fixed load, which a saturating benchmark mixes up with the
// machine's noise: autocannon sends the benchmark's signed GET at --rate calls a second for
// --duration seconds (32 connections, after 8 s of warm-up at full speed) to a fresh gateway
// (verify + record) in front of the vendor simulator, this checkout and, with --baseline, another
// checkout's build, alternating --rounds times. Each round prints the latency percentiles, how many
// record batches took over 5 and 10 ms to commit (the writer's histogram on /metrics: a batch on the
// event loop holds up every call in flight) and the WAL file's peak size.
// Usage: npm run build && node bench/gateway-stalls.mjs [--rate 4000] [--duration 15] [--rounds 3] [--baseline DIR]
import autocannon from 'autocannon';
import { mkdtempSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { signRequest } from '../dist/auth/sign-request.js';
import { listening, stop } from './lib/processes.mjs';

const { values } = parseArgs({
  options: {
    rate: { type: 'string', default: '4000' }, duration: { type: 'string', default: '15' }, rounds: { type: 'string', default: '3' }, baseline: { type: 'string' },
  },
});
const HERE = fileURLToPath(new URL('..', import.meta.url));
const SIMULATOR = new URL('../demo/vendor-simulator.mjs', import.meta.url).pathname;
const PATH = '/rest/isales/v1/openapi/campaigns/2?status=0&curPage=1&rowsPerPage=3';

/** The writer's commit-time histogram: batches in all, and those over 5 and 10 ms. */
async function commits(url) {
  const text = await (await fetch(`${url}/metrics`)).text();
  const value = (pattern) => Number(pattern.exec(text)?.[1] ?? NaN);
  const all = value(/calllogs_writer_commit_seconds_count (\d+)/);
  return {
    all,
    over5: all - value(/calllogs_writer_commit_seconds_bucket\{le="0\.005"\} (\d+)/),
    over10: all - value(/calllogs_writer_commit_seconds_bucket\{le="0\.01"\} (\d+)/),
  };
}

async function round(name, root, upstream) {
  const dir = mkdtempSync(join(tmpdir(), 'calllogs-stalls-'));
  const db = join(dir, 'calllogs.db');
  const gw = await listening(process.execPath, [join(root, 'dist/cli/main.js'), 'serve', '--port', '0', '--db', db, '--upstream', upstream, '--log-level', 'warn']);
  try {
    const { ak, sk } = JSON.parse(readFileSync(join(dir, 'credentials.json'), 'utf8'));
    const url = gw.url + PATH;
    const headers = signRequest({ ak, sk, method: 'GET', url });
    await autocannon({ url, headers, connections: 32, duration: 8 });
    let walPeak = 0;
    let sampling = true;
    const sampler = (async () => {
      while (sampling) {
        await sleep(100);
        walPeak = Math.max(walPeak, statSync(`${db}-wal`, { throwIfNoEntry: false })?.size ?? 0);
      }
    })();
    const before = await commits(gw.url);
    const r = await autocannon({ url, headers, connections: 32, duration: Number(values.duration), overallRate: Number(values.rate) });
    const after = await commits(gw.url);
    sampling = false;
    await sampler;
    const { p50, p97_5: p975, p99, max } = r.latency;
    console.log(`${name.padEnd(9)} ${Math.round(r.requests.average).toLocaleString('en-US').padStart(6)} req/s   p50 ${p50}  p97.5 ${p975}  p99 ${p99}  max ${max} ms`
      + `   record batches ${after.all - before.all}: over 5 ms ${after.over5 - before.over5}, over 10 ms ${after.over10 - before.over10}`
      + `   WAL peak ${(walPeak / 1e6).toFixed(1)} MB`);
  } finally {
    await stop(gw.child);
    rmSync(dir, { recursive: true, force: true });
  }
}

const sim = await listening(process.execPath, [SIMULATOR, '--fail-rate', '0']);
console.log(`load: ${values.rate} calls/s for ${values.duration} s, 32 connections, ${values.rounds} rounds; GET ${PATH}`);
try {
  for (let i = 0; i < Number(values.rounds); i += 1) {
    await round('this', HERE, sim.url);
    if (values.baseline) await round('baseline', values.baseline, sim.url);
  }
} finally {
  await stop(sim.child);
}
