import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { expect, it } from 'vitest';
import { runCli, startServe } from '../helpers/cli.js';
import { call } from '../helpers/server.js';
import { tempDir } from '../helpers/tmp.js';

it('calllogs serve --upstream logs upstream failures as JSON lines without secrets', async () => {
  const dir = tempDir();
  const env = { CALLLOGS_UPSTREAM_SK: 'upstream-secret-never-logged' };
  // Port 9 (discard) has no listener here: every forwarded call is a 502.
  const gw = await startServe(['--db', join(dir, 'gw.db'), '--upstream', 'http://127.0.0.1:9', '--auth-mode', 'resign',
    '--upstream-ak', 'gatewayak', '--log-level', 'info'], env);
  try {
    const key = JSON.parse(readFileSync(join(dir, 'credentials.json'), 'utf8')) as { ak: string; sk: string };
    const answer = await call(gw.endpoint, '/rest/isales/v1/openapi/campaigns/2', { method: 'GET', key, headers: { cookie: 'session=private' } });
    expect(answer.status).toBe(502);
    await new Promise((r) => setTimeout(r, 200));
    const { stdout, stderr } = gw.output();
    expect(stderr).toContain('forwarding to http://127.0.0.1:9 (auth: resign)');
    const lines = stdout.trim().split('\n').map((l) => JSON.parse(l) as Record<string, unknown>);
    expect(lines).toContainEqual(expect.objectContaining({ level: 40, route: 'queryCampaigns', status: 502, msg: expect.stringMatching(/^upstream: unreachable/) }));
    for (const secret of [key.sk, env.CALLLOGS_UPSTREAM_SK, 'auth-v2/', 'session=private']) expect(stdout + stderr).not.toContain(secret);
  } finally {
    await gw.stop();
  }
});

it('calllogs serve refuses inconsistent gateway options with one clear line', async () => {
  const cases: [string[], RegExp][] = [
    [['--auth-mode', 'resign', '--upstream', 'http://127.0.0.1:9'], /--auth-mode resign needs --upstream-ak and --upstream-sk/],
    [['--upstream-ak', 'x'], /the upstream options need --upstream/],
    [['--upstream', 'http://127.0.0.1:9/prefix'], /must be only scheme, host and port/],
    [['--upstream', 'ftp://127.0.0.1'], /must be an http:\/\/ or https:\/\/ URL/],
    [['--redaction', '/nonexistent/rules.yaml'], /redaction config \/nonexistent\/rules\.yaml: cannot be read \(ENOENT\)/],
  ];
  for (const [args, message] of cases) {
    const result = await runCli(['serve', '--port', '0', '--db', join(tempDir(), 'x.db'), ...args]);
    expect(result.code, args.join(' ')).toBe(1);
    expect(result.stderr).toMatch(message);
    expect(result.stderr.trim().split('\n')).toHaveLength(1);
  }
});
