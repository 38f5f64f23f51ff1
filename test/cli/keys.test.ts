import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { runCli } from '../helpers/cli.js';
import { tempDir } from '../helpers/tmp.js';

describe('calllogs keys', () => {
  const db = join(tempDir(), 'keys.db');

  it('creates scoped and all-VDN keys, printing the SK once', async () => {
    const scoped = await runCli(['keys', 'create', '--vdn', '2', '--vdn', '3', '--label', 'crm', '--json', '--db', db]);
    expect(scoped.code).toBe(0);
    const key = JSON.parse(scoped.stdout);
    expect(key).toEqual({ ak: expect.stringMatching(/^ak[0-9a-f]{24}$/), sk: expect.any(String), vdns: [2, 3] });
    const chosen = await runCli(['keys', 'create', '--all-vdns', '--ak', 'my-ak', '--sk', 'my-secret-key', '--db', db]);
    expect(chosen.code).toBe(0);
    expect(chosen.stdout).toContain('AK:   my-ak\nSK:   my-secret-key\nVDNs: all');
  });

  it('lists keys without their SKs', async () => {
    const list = await runCli(['keys', 'list', '--db', db]);
    expect(list.stdout).toContain('my-ak');
    expect(list.stdout).not.toContain('my-secret-key');
    const json = JSON.parse((await runCli(['keys', 'list', '--json', '--db', db])).stdout);
    expect(json.map((k: { ak: string }) => k.ak)).toContain('my-ak');
    expect(JSON.stringify(json)).not.toContain('my-secret-key');
    expect(json.every((k: object) => !('sk' in k))).toBe(true);
  });

  it('disables, enables and deletes keys; unknown keys and bad arguments are one-line errors', async () => {
    expect((await runCli(['keys', 'disable', 'my-ak', '--db', db])).stdout).toBe('my-ak: disabled\n');
    expect((await runCli(['keys', 'list', '--json', '--db', db])).stdout).toContain('"disabled":true');
    expect((await runCli(['keys', 'enable', 'my-ak', '--db', db])).stdout).toBe('my-ak: enabled\n');
    expect((await runCli(['keys', 'delete', 'my-ak', '--db', db])).stdout).toBe('my-ak: deleted\n');
    for (const args of [['keys', 'delete', 'my-ak'], ['keys', 'create'], ['keys', 'create', '--vdn', '0'], ['keys', 'create', '--vdn', '2', '--all-vdns'],
      ['keys', 'create', '--vdn', '2', '--sk', 'short']]) {
      const result = await runCli([...args, '--db', db]);
      expect(result.code, args.join(' ')).not.toBe(0);
      expect(result.stderr.trim().split('\n')[0]).toMatch(/error/);
      expect(result.stderr).not.toMatch(/\n\s+at /);
    }
    const duplicate = await runCli(['keys', 'create', '--all-vdns', '--ak', JSON.parse((await runCli(['keys', 'list', '--json', '--db', db])).stdout)[0].ak, '--db', db]);
    expect(duplicate.code).toBe(1);
    expect(duplicate.stderr).toMatch(/^calllogs: error: access key .* already exists\n$/);
  });

  it('encrypts SKs at rest when CALLLOGS_MASTER_KEY is set', async () => {
    const sealedDb = join(tempDir(), 'sealed.db');
    const env = { CALLLOGS_MASTER_KEY: 'correct horse battery staple' };
    const created = await runCli(['keys', 'create', '--all-vdns', '--sk', 'plain-text-secret-123', '--db', sealedDb], { env });
    expect(created.code).toBe(0);
    await runCli(['keys', 'list', '--db', sealedDb], { env }); // checkpoints the WAL into the file
    const bytes = readFileSync(sealedDb).toString('latin1') + readFileSync(sealedDb + '-wal', { flag: 'a+' }).toString('latin1');
    expect(bytes).not.toContain('plain-text-secret-123');
    expect((await runCli(['keys', 'list', '--db', sealedDb], { env })).stdout).toContain('encrypted');
  });
});
