import { Agent, request } from 'undici';
import { describe, expect, it } from 'vitest';
import { signRequest } from '../../src/auth/sign-request.js';
import { runCli, startServe } from '../helpers/cli.js';
import { createTestDatabase, onDatabase, postgresAvailable } from '../helpers/pg.js';
import { calllogsPath, queryBody } from '../helpers/server.js';
import { tempDir } from '../helpers/tmp.js';

const withPostgres = await postgresAvailable();
const agent = new Agent({ connections: 32 });
const key = { ak: 'ak-shared', sk: 'sk-shared-secret' };

async function signed(endpoint: string, body: unknown, k = key): Promise<{ status: number; json: any }> { // eslint-disable-line @typescript-eslint/no-explicit-any
  const url = endpoint + calllogsPath(2);
  const text = JSON.stringify(body);
  const headers = signRequest({ ...k, method: 'POST', url, headers: { 'content-type': 'application/json' }, body: text });
  const response = await request(url, { method: 'POST', headers, body: text, dispatcher: agent });
  return { status: response.statusCode, json: await response.body.json() };
}

const fmt = (ms: number) => new Date(ms).toISOString().slice(0, 19).replace('T', ' ');

describe.skipIf(!withPostgres)('several instances on one PostgreSQL', () => {
  it('records every call exactly once, answers alike, and shares keys', async () => {
    const db = await createTestDatabase();
    expect((await runCli(['keys', 'create', '--all-vdns', '--ak', key.ak, '--sk', key.sk, '--db', db])).code).toBe(0);
    const dir = tempDir();
    const [a, b] = await Promise.all([
      startServe(['--db', db, '--tz', 'UTC', '--spill-dir', `${dir}/a`]),
      startServe(['--db', db, '--tz', 'UTC', '--spill-dir', `${dir}/b`]),
    ]);
    try {
      const started = Date.now();
      let answered = 0;
      await Promise.all(Array.from({ length: 12 }, async (_, w) => {
        for (let i = 0; i < 40; i++) {
          const { status } = await signed(i % 2 ? a.endpoint : b.endpoint, queryBody({ limit: 1 + ((w + i) % 100) }));
          expect(status).toBe(200);
          answered += 1;
        }
      }));
      const ended = Date.now();
      await new Promise((r) => setTimeout(r, 1500)); // both writers flush; the next second starts

      // The same question to each instance gets the same answer (the queries below are recorded
      // after the window they ask about).
      const window = queryBody({ beginTime: fmt(started), endTime: fmt(ended), limit: 100, offset: 17 });
      const [fromA, fromB] = await Promise.all([signed(a.endpoint, window), signed(b.endpoint, window)]);
      expect(fromA.json.count).toBe(answered);
      expect(fromA.json).toEqual(fromB.json);

      // A key created now (through the store, from a third process) works on both.
      const late = JSON.parse((await runCli(['keys', 'create', '--vdn', '2', '--json', '--db', db])).stdout);
      expect((await signed(a.endpoint, queryBody(), late)).status).toBe(200);
      expect((await signed(b.endpoint, queryBody(), late)).status).toBe(200);

      expect(await a.stop()).toBe(0);
      expect(await b.stop()).toBe(0);
      const { n, ids } = await onDatabase(db, async (c) => (await c.query('SELECT count(*)::int AS n, count(DISTINCT id)::int AS ids FROM records')).rows[0]);
      expect(n).toBe(answered + 4);
      expect(ids).toBe(n);
    } finally {
      await Promise.allSettled([a.stop(), b.stop()]);
    }
  }, 60_000);
});

describe.skipIf(!withPostgres)('store commands on PostgreSQL', () => {
  it('imports (all or nothing) and exports through a postgres:// URL', async () => {
    const db = await createTestDatabase();
    const line = (patch: Record<string, unknown>) => JSON.stringify({
      vdnId: 2, operTime: '2022-08-19T14:18:31.000+00:00', url: '/rest/isales/v1/openapi/campaigns/2', request: '{"vdnId":2}',
      resultCode: '0200000', resultDesc: 'ok', httpStatus: 200, type: 'GET', ...patch,
    });
    const input = [line({ id: '166088991109059950708365448582' }), line({ vdnId: 3 }), line({ vdnId: null, operTime: '2021-01-01T00:00:00.000Z' })].join('\n');
    expect(await runCli(['import', '-', '--db', db], { input })).toMatchObject({ code: 0, stderr: expect.stringMatching(/^imported 3 records in \d+\.\d s \(\d+ records\/s\)\n$/) });
    const bad = await runCli(['import', '-', '--db', db], { input: [line({ vdnId: 4 }), line({ id: '166088991109059950708365448582' })].join('\n') });
    expect(bad).toMatchObject({ code: 1, stderr: 'calllogs: error: line 2: id: 166088991109059950708365448582 is already stored; nothing was imported\n' });
    const exported = (await runCli(['export', '--db', db])).stdout.trim().split('\n').map((l) => JSON.parse(l));
    expect(exported.map((r) => r.vdnId)).toEqual([null, 2, 3]);
    expect(exported[1].id).toBe('166088991109059950708365448582');
    const csv = await runCli(['export', '--db', db, '--vdn', '3', '--format', 'csv']);
    expect(csv.stdout.trim().split('\n')).toHaveLength(2);
    expect((await runCli(['keys', 'list', '--json', '--db', db])).stdout).toBe('[]\n');
  });
});
