#!/usr/bin/env node
// The gateway demo: a SIMULATED vendor server (demo/vendor-simulator.mjs, not the vendor's),
// the calllogs gateway in front of it, and a client sending signed traffic through the gateway.
// Then it prints how to look at what was recorded, and keeps running until Ctrl-C.
//
//   npm run demo                     (builds first)
//   node demo/run.mjs [--calls 60] [--port 8080] [--dir ./demo-data] [--once]
import { spawn } from 'node:child_process';
import { mkdirSync, rmSync } from 'node:fs';
import { relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { request } from 'undici';
import { signRequest } from '../dist/auth/sign-request.js';
import { epochMsToWallTime, formatWallTime } from '../dist/contract/time.js';
import { DEFAULT_UPSTREAM, defaultConfig } from '../dist/server/config.js';
import { startServer } from '../dist/server/serve.js';

const { values: opts } = parseArgs({
  options: {
    calls: { type: 'string', default: '60' },
    port: { type: 'string', default: '8080' },
    dir: { type: 'string', default: './demo-data' },
    once: { type: 'boolean', default: false },
  },
});
const dir = resolve(opts.dir);

/** Starts the simulator as its own process; resolves with its URL. */
function startSimulator() {
  const child = spawn(process.execPath, [fileURLToPath(new URL('./vendor-simulator.mjs', import.meta.url)), '--fail-rate', '0.2'],
    { stdio: ['ignore', 'pipe', 'inherit'] });
  return new Promise((resolveUrl, reject) => {
    child.stdout.once('data', (d) => {
      const m = /listening on (\S+)/.exec(String(d));
      if (m) resolveUrl({ url: m[1], child });
      else reject(new Error(`simulator: ${d}`));
    });
    child.once('exit', (code) => reject(new Error(`simulator exited with ${code}`)));
  });
}

const API = '/rest/isales/v1/openapi';
const TRAFFIC = [
  ['GET', `${API}/campaigns/2?status=0&curPage=1&rowsPerPage=3`],
  ['PUT', `${API}/campaigns/2/1001/resume`],
  ['PUT', `${API}/campaigns/3/1002/pause`],
  ['GET', `${API}/campaigns/2/callNoType/query`],
  ['POST', `${API}/campaigns/2/file/addServer`, { serverName: 'sftp-1', serverIp: '10.0.0.9', userName: 'obs', serverPwd: 'Secret#123' }],
  ['POST', `${API}/obs/business/tasks`, { vdnId: 2, taskName: 'renewals', callerNo: '95500' }],
  ['POST', `${API}/obs/business/callnos`, { vdnId: 2, callNos: ['13812345678', '13987654321'] }],
  ['PUT', '/rest/isales/v2/openapi/campaigns/2/1001', { name: 'spring offers', remark: 'call back 13800001111' }],
  ['PUT', '/rest/isales/v2/openapi/campaigns/2/1002', {}],
  ['GET', `${API}/campaigns/2/unknownInterface`],
];

mkdirSync(dir, { recursive: true });
rmSync(resolve(dir, 'demo.db'), { force: true });
rmSync(resolve(dir, 'credentials.json'), { force: true });
const sim = await startSimulator();
const config = {
  ...defaultConfig(),
  port: Number(opts.port),
  db: resolve(dir, 'demo.db'),
  logLevel: 'warn',
  upstream: { ...DEFAULT_UPSTREAM, url: sim.url },
};
const gateway = await startServer(config);
const { ak, sk, file } = gateway.bootstrapped;

const statuses = new Map();
for (let i = 0; i < Number(opts.calls); i++) {
  const [method, path, body] = TRAFFIC[i % TRAFFIC.length];
  const url = gateway.endpoint + path;
  const text = body === undefined ? undefined : JSON.stringify(body);
  const headers = signRequest({ ak, sk, method, url, headers: text ? { 'content-type': 'application/json' } : {}, body: text });
  const response = await request(url, { method, headers, body: text });
  await response.body.dump();
  statuses.set(response.statusCode, (statuses.get(response.statusCode) ?? 0) + 1);
}
await gateway.writer.flush();

const zone = config.timeZone;
const now = Date.now();
const wall = (ms) => formatWallTime(epochMsToWallTime(ms, zone));
const begin = wall(now - 3_600_000);
const end = wall(now + 3_600_000);
const cli = `node ${relative(process.cwd(), fileURLToPath(new URL('../dist/cli/main.js', import.meta.url)))}`;
const summary = [...statuses].map(([s, n]) => `${n} × HTTP ${s}`).join(', ');
process.stdout.write(`
The demo is running:
  vendor server   ${sim.url}   (SIMULATED: demo/vendor-simulator.mjs; ~20 % of its answers fail on purpose)
  gateway         ${gateway.endpoint}   (forwarding to it and recording, store ${config.db})
  key             ${ak}   (an all-VDN key; SK in ${file})

Sent ${opts.calls} signed calls through the gateway: ${summary}.

See what was recorded (times in ${zone}, the gateway's zone):
  ${cli} query --credentials ${file} --vdn 2 --begin "${begin}" --end "${end}"
  ${cli} query --credentials ${file} --vdn 2 --begin "${begin}" --end "${end}" --url "/rest/isales/v2/*" --json
  ${cli} tail --credentials ${file} --vdn 2
  curl -s ${gateway.endpoint}/metrics | grep calllogs_
or open ${gateway.endpoint}/console/ and sign in with the AK and SK of ${file}, VDN 2.
${opts.once ? '' : '\nCtrl-C stops the gateway and the simulator.\n'}`);

const stop = async () => {
  await gateway.close();
  sim.child.kill('SIGTERM');
};
if (opts.once) await stop();
else {
  process.once('SIGINT', () => void stop().then(() => process.exit(0)));
  process.once('SIGTERM', () => void stop().then(() => process.exit(0)));
}
