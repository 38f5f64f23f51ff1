import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import { Agent, request } from 'undici';
import { afterAll, describe, expect, it } from 'vitest';
import { signRequest } from '../../src/auth/sign-request.js';
import { runCli, startServe } from '../helpers/cli.js';
import { onDatabase } from '../helpers/pg.js';
import { createPrivatePostgres, privatePostgresAvailable, type PrivatePostgres } from '../helpers/private-pg.js';
import { calllogsPath, queryBody } from '../helpers/server.js';
import { tempDir } from '../helpers/tmp.js';

const available = privatePostgresAvailable();
const agent = new Agent({ connections: 16 });
const key = { ak: 'ak-outage', sk: 'sk-outage-secret' };
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

describe.skipIf(!available)('PostgreSQL outage under traffic', () => {
  let cluster: PrivatePostgres | undefined;
  afterAll(() => cluster?.stop());

  it('keeps recording (memory, then spill file), answers 503, reports not ready, and writes everything once when back', async () => {
    cluster = createPrivatePostgres();
    const db = cluster.url;
    expect((await runCli(['keys', 'create', '--all-vdns', '--ak', key.ak, '--sk', key.sk, '--db', db])).code).toBe(0);
    const spillDir = join(tempDir(), 'spill');
    const server = await startServe(['--db', db, '--queue-max', '200', '--spill-dir', spillDir, '--tz', 'UTC']);
    const url = server.endpoint + calllogsPath(2);
    const statuses = new Map<number, number>();
    let answered = 0;
    let running = true;
    const traffic = Array.from({ length: 6 }, async () => {
      while (running) {
        const text = JSON.stringify(queryBody({ limit: 5 }));
        const headers = signRequest({ ...key, method: 'POST', url, headers: { 'content-type': 'application/json' }, body: text });
        const response = await request(url, { method: 'POST', headers, body: text, dispatcher: agent });
        await response.body.text();
        statuses.set(response.statusCode, (statuses.get(response.statusCode) ?? 0) + 1);
        answered += 1;
        await sleep(10);
      }
    });
    const ready = async () => (await request(`${server.endpoint}/readyz`, { dispatcher: agent })).statusCode;
    try {
      await sleep(2000);
      expect(await ready()).toBe(200);
      cluster.stop();
      const outageStarted = Date.now();
      let sawNotReady = false;
      let sawSpill = false;
      while (Date.now() - outageStarted < 20_000) {
        await sleep(1000);
        sawNotReady ||= (await ready()) === 503;
        sawSpill ||= readdirSync(spillDir, { withFileTypes: true }).some((f) => f.name.startsWith('spill-'));
      }
      const duringOutage = statuses.get(503) ?? 0;
      cluster.start();
      await sleep(3000);
      running = false;
      await Promise.all(traffic);

      expect(sawNotReady).toBe(true);
      expect(sawSpill).toBe(true);
      expect(duringOutage).toBeGreaterThan(0);
      expect([...statuses.keys()].sort()).toEqual([200, 503]);
      // Everything answered reaches the store once PostgreSQL is back, spilled records included.
      const deadline = Date.now() + 20_000;
      const count = () => onDatabase(db, async (c) => (await c.query('SELECT count(*)::int AS n, count(DISTINCT id)::int AS ids FROM records')).rows[0]);
      while ((await count()).n < answered && Date.now() < deadline) await sleep(250);
      expect(await ready()).toBe(200);
      expect(await server.stop()).toBe(0);
      const { n, ids } = await count();
      expect(n).toBe(answered);
      expect(ids).toBe(n);
      expect(readdirSync(spillDir).filter((f) => f.includes('spill-'))).toEqual([]);
    } finally {
      running = false;
      await server.stop();
    }
  }, 120_000);
});
