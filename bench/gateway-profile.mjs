// Where the default gateway's event loop spends a forwarded call (issue 14: profile first): the
// gateway (verify mode, recording on) runs under `node --cpu-prof` in front of the vendor simulator
// while autocannon sends the benchmark's signed GET; the profile's self time is then grouped into
// what a reader can act on (socket writes, Node's HTTP machinery, recording, the C2 check, …) and
// printed as shares of the loop's busy time. The profile file is kept for a flame graph
// (Chrome DevTools or speedscope). Build first: npm run build.
// Usage: node bench/gateway-profile.mjs [--duration 10] [--connections 32]
import autocannon from 'autocannon';
import { mkdtempSync, readdirSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { signRequest } from '../dist/auth/sign-request.js';
import { listening, stop } from './lib/processes.mjs';

const { values } = parseArgs({ options: { duration: { type: 'string', default: '10' }, connections: { type: 'string', default: '32' } } });
const CLI = new URL('../dist/cli/main.js', import.meta.url).pathname;
const SIMULATOR = new URL('../demo/vendor-simulator.mjs', import.meta.url).pathname;
const PATH = '/rest/isales/v1/openapi/campaigns/2?status=0&curPage=1&rowsPerPage=3';
const dir = mkdtempSync(join(tmpdir(), 'calllogs-gwprofile-'));

/** The group of a profile node, by the function or the module its code comes from. */
function groupOf({ url, functionName: name }) {
  if (name === '(idle)') return 'idle';
  if (['writev', 'writeLatin1String', 'writeUtf8String', 'writeBuffer'].includes(name) || url.includes('stream_base_commons')) return 'socket writes';
  if (name === '(garbage collector)') return 'garbage collection';
  if (url.includes('/dist/auth/') || url.includes('crypto/hash')) return 'C2 check (canonical request, HMACs)';
  if (url.includes('/dist/store/') || url.includes('/dist/record/') || url.includes('better-sqlite3') || url.includes('json-scan')) return 'recording (the record, redaction, SQLite)';
  if (url.includes('/undici/')) return 'undici (the upstream client)';
  if (/\/(fastify|find-my-way|avvio|light-my-request)\//.test(url)) return 'Fastify';
  if (url.includes('/dist/server/') || url.includes('/dist/contract/')) return 'our request path (door, scope, forwarded headers)';
  if (url.includes('/prom-client/')) return 'metrics';
  if (url.startsWith('node:')) return "Node's HTTP, net, streams, events";
  return 'the rest';
}

const sim = await listening(process.execPath, [SIMULATOR, '--fail-rate', '0']);
const gw = await listening(process.execPath, ['--cpu-prof', `--cpu-prof-dir=${dir}`, CLI, 'serve', '--port', '0', '--db', join(dir, 'gw.db'),
  '--upstream', sim.url, '--log-level', 'warn']);
const { ak, sk } = JSON.parse(readFileSync(join(dir, 'credentials.json'), 'utf8'));
const url = gw.url + PATH;
const headers = signRequest({ ak, sk, method: 'GET', url });
let calls = 0;
try {
  await autocannon({ url, connections: Number(values.connections), duration: 3, headers });
  const r = await autocannon({ url, connections: Number(values.connections), duration: Number(values.duration), headers });
  calls = r.requests.total;
  console.log(`${calls.toLocaleString('en-US')} calls in ${values.duration} s under the profiler (${Math.round(r.requests.average).toLocaleString('en-US')} req/s; the profiler slows it)`);
} finally {
  await stop(gw.child);
  await stop(sim.child);
}

const file = join(dir, readdirSync(dir).find((f) => f.endsWith('.cpuprofile')));
const profile = JSON.parse(readFileSync(file, 'utf8'));
const frames = new Map(profile.nodes.map((n) => [n.id, n.callFrame]));
const time = new Map();
profile.samples.forEach((id, i) => {
  const group = groupOf(frames.get(id));
  time.set(group, (time.get(group) ?? 0) + (profile.timeDeltas[i] ?? 0));
});
const idle = time.get('idle') ?? 0;
time.delete('idle');
const busy = [...time.values()].reduce((a, b) => a + b, 0);
console.log(`event loop busy ${((100 * busy) / (busy + idle)).toFixed(1)} % of the profile (start-up and warm-up included); of that busy time:`);
for (const [group, us] of [...time].sort((a, b) => b[1] - a[1])) console.log(`${((100 * us) / busy).toFixed(1).padStart(6)} %  ${group}`);
console.log(`profile: ${file}`);
