import { execFile, spawn } from 'node:child_process';
import { promisify } from 'node:util';
import { readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { CallRecord } from '../../src/contract/record.js';
import { CLI, runCli } from '../helpers/cli.js';
import { makeRecord } from '../helpers/records.js';
import { call, calllogsPath, queryBody, startTestServer, type TestServer } from '../helpers/server.js';
import { tempDir } from '../helpers/tmp.js';

const DAY = 86_400_000;
// Asynchronous: the server under test runs in this process and must keep answering.
const curl = async (args: string[]) => (await promisify(execFile)('curl', args, { encoding: 'utf8' })).stdout;
const START = Date.UTC(2022, 7, 1);

describe('integrator commands against a real server', () => {
  let server: TestServer;
  let env: Record<string, string>;
  const stored: CallRecord[] = [];
  const config = join(tempDir(), 'calllogs', 'config.json');

  beforeAll(async () => {
    server = await startTestServer();
    for (let day = 0; day < 30; day++) {
      for (let i = 0; i < 30; i++) stored.push(makeRecord({ vdnId: 8, operTime: START + day * DAY + i * 2_000_000, url: `/rest/isales/v1/openapi/campaigns/8/${i % 3}` }));
    }
    await server.store.insertBatch(stored);
    env = { CALLLOGS_CONFIG: config, CALLLOGS_SERVER_TZ: 'UTC' };
  });
  afterAll(() => server.close());

  it('configure saves a 0600 profile that the other commands use', async () => {
    const saved = await runCli(['configure', '--endpoint', server.endpoint, '--ak', server.key.ak, '--sk', '-', '--server-tz', 'UTC'], { env, input: server.key.sk + '\n' });
    expect(saved).toMatchObject({ code: 0, stdout: `saved profile "default" in ${config}\n` });
    expect(statSync(config).mode & 0o777).toBe(0o600);
    expect(JSON.parse(readFileSync(config, 'utf8')).profiles.default).toEqual({ endpoint: server.endpoint, ak: server.key.ak, sk: server.key.sk, timeZone: 'UTC' });
    const page = await runCli(['query', '--vdn', '8', '--begin', '2022-08-01 00:00:00', '--end', '2022-08-01 23:59:59', '--json'], { env });
    expect(JSON.parse(page.stdout)).toMatchObject({ count: 30 });
    await runCli(['configure', '--profile', 'wrong', '--endpoint', server.endpoint, '--ak', server.key.ak, '--sk', 'not-the-key'], { env });
    const wrong = await runCli(['query', '--profile', 'wrong', '--vdn', '8', '--begin', '2022-08-01 00:00:00', '--end', '2022-08-01 23:59:59'], { env });
    expect(wrong).toMatchObject({ code: 1, stderr: 'calllogs: error: 0200401 (HTTP 401): Authorization: signature does not match the request\n' });
    const missing = await runCli(['query', '--profile', 'nope', '--vdn', '8', '--begin', '2022-08-01 00:00:00', '--end', '2022-08-01 23:59:59'], { env });
    expect(missing.stderr).toBe('calllogs: error: no profile "nope": create it with calllogs configure --profile nope\n');
  });

  it('sign prints a header that curl can send', async () => {
    const url = server.endpoint + calllogsPath(8);
    const body = JSON.stringify(queryBody({ beginTime: '2022-08-02 00:00:00', endTime: '2022-08-02 23:59:59', limit: 1 }));
    const signed = await runCli(['sign', '--url', url, '--content-type', 'application/json', '--data', body], { env });
    expect(signed.stdout).toMatch(/^Authorization: auth-v2\/[^/]+\/\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ\/content-type;host\/[0-9a-f]{64}\n$/);
    const answer = await curl(['-s', url, '-H', 'Content-Type: application/json', '-d', body, '-H', signed.stdout.trim()]);
    expect(JSON.parse(answer)).toMatchObject({ resultCode: '0200000', count: 30 });
    const get = await runCli(['sign', '--method', 'GET', '--url', `${server.endpoint}/rest/isales/v1/openapi/campaigns/8?name=a b&x=1`, '--value'], { env });
    const status = await curl(['-s', '-o', '/dev/null', '-w', '%{http_code}', `${server.endpoint}/rest/isales/v1/openapi/campaigns/8?name=a%20b&x=1`,
      '-H', `Authorization: ${get.stdout.trim()}`]);
    expect(status).toBe('404'); // verified, then no such interface
  });

  it('exports a 30-day range from the server as NDJSON and as CSV, quietly when piped', async () => {
    const range = ['--vdn', '8', '--from', '2022-08-01 00:00:00', '--to', '2022-08-30 23:59:59'];
    const ndjson = await runCli(['export', ...range], { env });
    expect(ndjson.code).toBe(0);
    expect(ndjson.stderr).toBe('');
    const lines = ndjson.stdout.trim().split('\n').map((l) => JSON.parse(l));
    expect(lines.map((l) => l.id).sort()).toEqual(stored.map((r) => r.id).sort());
    expect(lines[0]).toMatchObject({ vdnId: 8, id: stored[stored.length - 1]!.id });

    const out = join(tempDir(), 'august.csv');
    const csv = await runCli(['export', ...range, '--format', 'csv', '--out', out, '--url', '/rest/isales/v1/openapi/campaigns/8/1'], { env });
    expect(csv).toMatchObject({ code: 0, stdout: '', stderr: '' });
    const rows = readFileSync(out, 'utf8').trim().split('\n');
    expect(rows[0]).toBe('id,operTime,vdnId,type,url,httpStatus,resultCode,resultDesc,request,ak,clientIp,durationMs');
    expect(rows).toHaveLength(1 + stored.filter((r) => r.url.endsWith('/8/1')).length);
    expect(rows[1]).toContain(',8,GET,/rest/isales/v1/openapi/campaigns/8/1,200,0200000,queryObsResultDetail success,"{""defId"":""456"",""vdnId"":2}",,,');

    const bad = await runCli(['export', '--vdn', '8', '--from', 'last tuesday', '--to', '2022-08-30 23:59:59'], { env });
    expect(bad).toMatchObject({ code: 1, stderr: 'calllogs: error: "last tuesday" is not a time: use "yyyy-MM-dd HH:mm:ss" or an ISO-8601 time with offset\n' });
    const noVdn = await runCli(['export', '--from', '2022-08-01 00:00:00', '--to', '2022-08-02 00:00:00'], { env });
    expect(noVdn.stderr).toMatch(/--vdn, --from and --to are required/);
  });

  it('tail prints new records as they are recorded, and stops on SIGINT', async () => {
    const child = spawn(process.execPath, [CLI, 'tail', '--vdn', '8', '--interval', '200ms', '--json'], { env: { ...process.env, ...env } });
    let out = '';
    child.stdout.on('data', (d) => (out += d));
    let err = '';
    child.stderr.on('data', (d) => (err += d));
    await new Promise((r) => setTimeout(r, 800));
    for (let i = 0; i < 3; i++) {
      await call(server.endpoint, calllogsPath(8), { key: server.key, body: queryBody({ limit: i + 1, tag: 'tail-test' }) });
    }
    const deadline = Date.now() + 10_000;
    while ((out.match(/tail-test/g) ?? []).length < 3 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 100));
    const exited = new Promise<number | null>((r) => child.on('exit', r));
    child.kill('SIGINT');
    expect(await exited).toBe(0);
    expect(err).toBe('');
    const records = out.trim().split('\n').map((l) => JSON.parse(l));
    // Calls of earlier tests in the second before tail started may show too; ours come in order, once.
    expect(records.filter((r) => JSON.parse(r.request).tag === 'tail-test').map((r) => JSON.parse(r.request).limit)).toEqual([1, 2, 3]);
    expect(new Set(records.map((r) => r.id)).size).toBe(records.length);
    expect(records.every((r) => r.url === calllogsPath(8) && r.vdnId === 8)).toBe(true);
  }, 20_000);
});

describe('--help', () => {
  it('has examples for every command', async () => {
    const commands = [['serve'], ['keys', 'create'], ['keys', 'list'], ['keys', 'disable'], ['keys', 'enable'], ['keys', 'delete'], ['import'],
      ['export'], ['query'], ['tail'], ['sign'], ['configure'], ['verify'], ['log-key']];
    for (const command of commands) {
      const help = await runCli([...command, '--help']);
      expect(help.code, command.join(' ')).toBe(0);
      expect(help.stdout, command.join(' ')).toContain('Examples:');
    }
  });
});
