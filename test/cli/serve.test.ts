import { readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { Agent, request } from 'undici';
import { describe, expect, it } from 'vitest';
import { signRequest } from '../../src/auth/sign-request.js';
import { runCli, startServe } from '../helpers/cli.js';
import { calllogsPath, queryBody } from '../helpers/server.js';
import { tempDir } from '../helpers/tmp.js';
import { selfSignedCertificate } from '../helpers/tls.js';

const agent = new Agent({ connections: 16 });

async function signedQuery(endpoint: string, key: { ak: string; sk: string }, body = queryBody()): Promise<number> {
  const url = endpoint + calllogsPath(2);
  const text = JSON.stringify(body);
  const headers = signRequest({ ...key, method: 'POST', url, headers: { 'content-type': 'application/json' }, body: text });
  const response = await request(url, { method: 'POST', headers, body: text, dispatcher: agent });
  await response.body.text();
  return response.statusCode;
}

async function countRecords(db: string): Promise<number> {
  const { stdout } = await runCli(['export', '--db', db]);
  return stdout === '' ? 0 : stdout.trim().split('\n').length;
}

describe('calllogs serve', () => {
  const dir = tempDir();
  const db = join(dir, 'data', 'calllogs.db');
  const credentialsFile = join(dir, 'data', 'credentials.json');

  it('creates a first key, writes it to a 0600 file and never prints the SK when not on a terminal', async () => {
    const server = await startServe(['--db', db, '--log-level', 'info']);
    const { stderr, stdout } = server.output();
    const credentials = JSON.parse(readFileSync(credentialsFile, 'utf8'));
    expect(credentials).toEqual({ ak: expect.any(String), sk: expect.any(String), endpoint: server.endpoint });
    expect(statSync(credentialsFile).mode & 0o777).toBe(0o600);
    expect(stderr).toContain(`AK: ${credentials.ak}`);
    expect(stderr + stdout).not.toContain(credentials.sk);
    expect(await signedQuery(server.endpoint, credentials)).toBe(200);

    // calllogs query signs with the credentials file.
    const table = await runCli(['query', '--credentials', credentialsFile, '--vdn', '2', '--begin', '2022-08-20 00:00:00', '--end', '2022-08-20 00:00:00']);
    expect(table).toMatchObject({ code: 0, stdout: expect.stringContaining('records 0-0 of 0') });
    const json = await runCli(['query', '--credentials', credentialsFile, '--vdn', '2', '--begin', '2022-08-20 00:00:00', '--end', '2022-08-20 00:00:00', '--json']);
    expect(JSON.parse(json.stdout)).toMatchObject({ resultCode: '0200000', count: 0, result: [] });
    const badTime = await runCli(['query', '--credentials', credentialsFile, '--vdn', '2', '--begin', '2022-08-20', '--end', '2022-08-20 00:00:00']);
    expect(badTime).toMatchObject({ code: 1, stderr: 'calllogs: error: 02000005 (HTTP 400): beginTime: must be 19 characters long (yyyy-MM-dd HH:mm:ss)\n' });
    const wrongKey = await runCli(['query', '--endpoint', server.endpoint, '--ak', credentials.ak, '--sk', 'wrong-secret', '--vdn', '2',
      '--begin', '2022-08-20 00:00:00', '--end', '2022-08-20 00:00:00']);
    expect(wrongKey).toMatchObject({ code: 1, stderr: 'calllogs: error: 0200401 (HTTP 401): Authorization: signature does not match the request\n' });
    const env = { CALLLOGS_AK: credentials.ak, CALLLOGS_SK: credentials.sk, CALLLOGS_ENDPOINT: server.endpoint };
    expect((await runCli(['query', '--vdn', '2', '--begin', '2022-08-20 00:00:00', '--end', '2022-08-20 00:00:00'], { env })).code).toBe(0);

    expect(await server.stop()).toBe(0);
    const logs = server.output().stdout;
    expect(logs).not.toContain(credentials.sk);
    expect(logs).not.toMatch(/auth-v2\//);
    const unreachable = await runCli(['query', '--credentials', credentialsFile, '--vdn', '2', '--begin', '2022-08-20 00:00:00', '--end', '2022-08-20 00:00:00']);
    expect(unreachable.code).toBe(1);
    expect(unreachable.stderr).toMatch(/^calllogs: error: cannot query http:\/\/127\.0\.0\.1:\d+: connection refused \(is the server running\?\)\n$/);
  });

  it('loses no acknowledged record on SIGTERM under load, and a restart keeps all data', async () => {
    const before = await countRecords(db);
    const server = await startServe(['--db', db]);
    const credentials = JSON.parse(readFileSync(credentialsFile, 'utf8'));
    let answered = 0;
    let stopped: Promise<number | null> | undefined;
    const workers = Array.from({ length: 16 }, async () => {
      for (let i = 0; i < 200; i++) {
        if (answered >= 400 && !stopped) stopped = server.stop('SIGTERM');
        try {
          await signedQuery(server.endpoint, credentials);
          answered += 1;
        } catch {
          return; // refused after the listener closed: never acknowledged
        }
      }
    });
    await Promise.all(workers);
    expect(await (stopped ?? server.stop())).toBe(0);
    expect(answered).toBeGreaterThanOrEqual(400);
    expect(await countRecords(db)).toBe(before + answered);

    const again = await startServe(['--db', db]);
    expect(again.output().stderr).not.toContain('created an all-VDN key');
    expect(await signedQuery(again.endpoint, credentials)).toBe(200);
    expect(await again.stop('SIGINT')).toBe(0);
    expect(await countRecords(db)).toBe(before + answered + 1);
  }, 60_000);

  it('serves HTTPS with --tls-cert/--tls-key; the CLI trusts it with --ca and says why it fails without', async () => {
    const { cert, key, dir: tls } = selfSignedCertificate();
    const tlsDb = join(tls, 'tls.db');
    const server = await startServe(['--db', tlsDb, '--tls-cert', cert, '--tls-key', key]);
    try {
      expect(server.endpoint).toMatch(/^https:\/\/127\.0\.0\.1:\d+$/);
      const creds = join(tls, 'credentials.json');
      const args = ['query', '--credentials', creds, '--vdn', '2', '--begin', '2022-08-20 00:00:00', '--end', '2022-08-20 00:00:00'];
      expect((await runCli([...args, '--ca', cert])).code).toBe(0);
      const untrusted = await runCli(args);
      expect(untrusted.code).toBe(1);
      expect(untrusted.stderr).toMatch(/TLS failure .*pass the server's CA with --ca/);
    } finally {
      expect(await server.stop()).toBe(0);
    }
  }, 30_000);

  it('verifies keys sealed with CALLLOGS_MASTER_KEY, and refuses bad options with one line', async () => {
    const sealed = join(tempDir(), 'sealed.db');
    const env = { CALLLOGS_MASTER_KEY: 'operator master key' };
    await runCli(['keys', 'create', '--all-vdns', '--ak', 'sealed-ak', '--sk', 'sealed-secret-1', '--db', sealed], { env });
    const server = await startServe(['--db', sealed], env);
    try {
      expect(await signedQuery(server.endpoint, { ak: 'sealed-ak', sk: 'sealed-secret-1' })).toBe(200);
    } finally {
      await server.stop();
    }
    for (const args of [['--tz', 'Mars/Olympus'], ['--port', '70000'], ['--skew', 'soon'], ['--tls-cert', 'x.pem']]) {
      const result = await runCli(['serve', '--db', sealed, ...args]);
      expect(result.code, args.join(' ')).not.toBe(0);
      expect(result.stderr).toMatch(/error/);
      expect(result.stderr).not.toMatch(/\n\s+at /);
    }
  }, 30_000);
});
