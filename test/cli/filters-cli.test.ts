import { spawn } from 'node:child_process';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { CallRecord } from '../../src/contract/record.js';
import { CLI, runCli } from '../helpers/cli.js';
import { makeRecord } from '../helpers/records.js';
import { call, calllogsPath, queryBody, startTestServer, type TestServer } from '../helpers/server.js';

// Issue #12: the filter options of query, export (server and store) and tail.

const START = Date.UTC(2022, 7, 1);
const AKS = ['ak-one', 'ak-two', null];

describe('filter options of the CLI', () => {
  let server: TestServer;
  let env: Record<string, string>;
  const stored: CallRecord[] = [];

  beforeAll(async () => {
    server = await startTestServer();
    for (let i = 0; i < 120; i++) {
      stored.push(makeRecord({
        vdnId: 8, operTime: START + i * 600_000, ak: AKS[i % 3]!, httpStatus: [200, 500, 404][i % 4 === 0 ? 1 : i % 7 === 0 ? 2 : 0]!,
        resultCode: i % 4 === 0 ? '0200500' : '0200000', type: i % 2 ? 'GET' : 'PUT', durationMs: (i % 10) * 500, clientIp: `10.0.0.${i % 5}`,
        request: i % 11 === 0 ? '{"calledNo":"139****0011"}' : '{"x":1}',
      }));
    }
    await server.store.insertBatch(stored);
    env = { CALLLOGS_ENDPOINT: server.endpoint, CALLLOGS_AK: server.key.ak, CALLLOGS_SK: server.key.sk, CALLLOGS_SERVER_TZ: 'UTC' };
  });
  afterAll(() => server.close());

  const window = ['--vdn', '8', '--begin', '2022-08-01 00:00:00', '--end', '2022-08-01 23:59:59'];
  const naive = (keep: (r: CallRecord) => boolean) => stored.filter((r) => r.operTime < START + 86_400_000 && keep(r));

  it('query passes every filter, repeated ones as lists', async () => {
    const cases: [string[], (r: CallRecord) => boolean][] = [
      [['--by-ak', 'ak-one', '--by-ak', 'ak-two'], (r) => r.ak !== null],
      [['--status', '500', '--status', '404'], (r) => r.httpStatus >= 400],
      [['--result-code', '0200500', '--method', 'get'], (r) => r.resultCode === '0200500' && r.type === 'GET'],
      [['--client-ip', '10.0.0.3', '--min-duration', '2s'], (r) => r.clientIp === '10.0.0.3' && r.durationMs! >= 2000],
      [['--text', '139****', '--outcome', 'success'], (r) => r.request.includes('139****') && r.httpStatus < 400],
    ];
    for (const [flags, keep] of cases) {
      const result = await runCli(['query', ...window, '--json', ...flags], { env });
      expect([flags, result.code, JSON.parse(result.stdout).count]).toEqual([flags, 0, naive(keep).length]);
    }
    const bad = await runCli(['query', ...window, '--text', 'ab'], { env });
    expect(bad.code).toBe(1);
    expect(bad.stderr).toMatch(/text: must be at least 3 characters/);
  });

  it('export reads the filters from a server and, with --db, from the store, alike', async () => {
    const flags = ['--by-ak', 'ak-two', '--outcome', 'failure'];
    const keep = (r: CallRecord) => r.ak === 'ak-two' && r.httpStatus >= 400;
    const fromServer = await runCli(['export', '--vdn', '8', '--from', '2022-08-01 00:00:00', '--to', '2022-08-01 23:59:59', ...flags], { env });
    const fromStore = await runCli(['export', '--db', server.dbPath, '--vdn', '8', '--from', '2022-08-01 00:00:00', '--to', '2022-08-01 23:59:59', '--tz', 'UTC', ...flags]);
    const ids = (out: string) => out.trim().split('\n').filter(Boolean).map((l) => JSON.parse(l).id).sort();
    expect(ids(fromServer.stdout)).toEqual(naive(keep).map((r) => r.id).sort());
    expect(ids(fromStore.stdout)).toEqual(ids(fromServer.stdout));
    const bad = await runCli(['export', '--db', server.dbPath, '--vdn', '8', '--client-ip', 'nope']);
    expect(bad).toMatchObject({ code: 1, stderr: 'calllogs: error: clientIp: must be an IPv4 or IPv6 address\n' });
  });

  it('tail follows only the calls the filters select', async () => {
    const other = await server.keys.create({ vdns: [9], label: 'other' });
    // tail's own polls are recorded too: it signs with a key of its own.
    const watcher = await server.keys.create({ vdns: [9], label: 'watcher' });
    const child = spawn(process.execPath, [CLI, 'tail', '--vdn', '9', '--interval', '200ms', '--json', '--by-ak', server.key.ak],
      { env: { ...process.env, ...env, CALLLOGS_AK: watcher.ak, CALLLOGS_SK: watcher.sk } });
    let out = '';
    child.stdout.on('data', (d) => (out += d));
    await new Promise((resolve) => setTimeout(resolve, 600));
    for (let i = 0; i < 3; i++) {
      for (const key of [server.key, other]) await call(server.endpoint, calllogsPath(9), { key, body: queryBody({ limit: i + 1 }) });
    }
    const deadline = Date.now() + 10_000;
    while (out.trim().split('\n').filter(Boolean).length < 3 && Date.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 100));
    await new Promise((resolve) => setTimeout(resolve, 1500));
    child.kill('SIGINT');
    await new Promise((resolve) => child.once('exit', resolve));
    const records = out.trim().split('\n').map((l) => JSON.parse(l));
    expect(records.map((r) => JSON.parse(r.request).limit)).toEqual([1, 2, 3]);
  });
});
