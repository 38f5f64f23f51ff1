import { createWriteStream, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { once } from 'node:events';
import { describe, expect, it } from 'vitest';
import { runCli } from '../helpers/cli.js';
import { tempDir } from '../helpers/tmp.js';

const line = (patch: Record<string, unknown> = {}) => JSON.stringify({
  vdnId: 2, operTime: '2022-08-19T14:18:31.000+00:00', url: '/rest/isales/v1/openapi/campaigns/2/456/queryObsResultDetail',
  request: '{"defId":"456","vdnId":2}', resultCode: '0200000', resultDesc: 'queryObsResultDetail success', httpStatus: 200, type: 'GET', ...patch,
});

describe('calllogs import / export', () => {
  const dir = tempDir();
  const db = join(dir, 'io.db');

  it('imports NDJSON (keeping given ids, generating the others) and exports the same records', async () => {
    const file = join(dir, 'in.ndjson');
    writeFileSync(file, [
      line({ id: '166088991109059950708365448582' }),
      '',
      line({ operTime: '2022-08-19T22:18:31.500+08:00', vdnId: 3, httpStatus: 500, resultCode: '0200500' }),
      line({ vdnId: null, url: '/rest/isales/v1/openapi/obs/business/tasks', type: 'POST', ak: 'ak1', clientIp: '10.0.0.1', durationMs: 12.5 }),
    ].join('\n') + '\n');
    const result = await runCli(['import', file, '--db', db]);
    expect(result).toMatchObject({ code: 0, stderr: expect.stringMatching(/^imported 3 records in \d+\.\d s \(\d+ records\/s\)\n$/) });
    const exported = (await runCli(['export', '--db', db])).stdout.trim().split('\n').map((l) => JSON.parse(l));
    expect(exported).toHaveLength(3);
    expect(exported.map((r) => r.vdnId)).toEqual([null, 2, 3]);
    expect(exported[1]).toEqual({ ...JSON.parse(line({ id: '166088991109059950708365448582' })), ak: null, clientIp: null, durationMs: null });
    expect(exported[2].operTime).toBe('2022-08-19T14:18:31.500+00:00');
    expect(exported[2].id.slice(0, 13)).toBe(String(Date.parse('2022-08-19T14:18:31.500Z')));
    expect(exported[2].id).toMatch(/^\d{30}$/);
    expect(exported[0]).toMatchObject({ ak: 'ak1', clientIp: '10.0.0.1', durationMs: 12.5 });

    // What export writes, import reads back into another store unchanged.
    const copy = join(dir, 'copy.db');
    const all = (await runCli(['export', '--db', db])).stdout;
    expect((await runCli(['import', '-', '--db', copy], { input: all })).code).toBe(0);
    expect((await runCli(['export', '--db', copy])).stdout).toBe(all);
  });

  it('filters exports by VDN and time', async () => {
    const only3 = (await runCli(['export', '--db', db, '--vdn', '3'])).stdout.trim().split('\n');
    expect(only3).toHaveLength(1);
    expect((await runCli(['export', '--db', db, '--vdn', 'none'])).stdout.trim().split('\n')).toHaveLength(1);
    const window = await runCli(['export', '--db', db, '--from', '2022-08-19 14:18:31', '--to', '2022-08-19 14:18:31', '--tz', 'UTC']);
    expect(window.stdout.trim().split('\n')).toHaveLength(3);
    const shanghai = await runCli(['export', '--db', db, '--from', '2022-08-19 22:18:32', '--tz', 'Asia/Shanghai']);
    expect(shanghai.stdout).toBe('');
    const bad = await runCli(['export', '--db', db, '--from', 'yesterday']);
    expect(bad.code).not.toBe(0);
    expect(bad.stderr).toMatch(/"yesterday" is not a time/);
  });

  it('loads nothing from a file with a bad line, naming the line', async () => {
    const before = (await runCli(['export', '--db', db])).stdout;
    for (const [bad, message] of [
      [line({ httpStatus: 'x' }), 'line 3: httpStatus: must be an integer from 100 to 599'],
      ['{not json', 'line 3: not valid JSON'],
      [line({ operTime: '2022-08-19 14:18:31' }), 'line 3: operTime: must be an ISO-8601 time with offset'],
      [line({ id: '166088991109059950708365448582' }), 'line 3: id: 166088991109059950708365448582 is already stored'],
    ]) {
      const result = await runCli(['import', '-', '--db', db], { input: [line(), line(), bad, line()].join('\n') });
      expect(result.code).toBe(1);
      expect(result.stderr).toBe(`calllogs: error: ${message}; nothing was imported\n`);
    }
    expect((await runCli(['export', '--db', db])).stdout).toBe(before);
  });

  it('streams a large file in bounded memory', async () => {
    const big = join(dir, 'big.ndjson');
    const out = createWriteStream(big);
    const padding = 'x'.repeat(300);
    for (let i = 0; i < 200_000; i++) {
      if (!out.write(line({ vdnId: 1 + (i % 50), request: `{"i":${i},"p":"${padding}"}` }) + '\n')) await once(out, 'drain');
    }
    out.end();
    await once(out, 'finish');
    // About 110 MB of NDJSON through a 64 MB heap.
    const result = await runCli(['import', big, '--db', join(dir, 'big.db')], { env: { NODE_OPTIONS: '--max-old-space-size=64' } });
    expect(result.stderr).toMatch(/^imported 200000 records in \d+\.\d s \(\d+ records\/s\)\n$/);
  }, 120_000);
});
