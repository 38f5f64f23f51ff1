import { describe, expect, it } from 'vitest';
import { runCli, startServe } from '../helpers/cli.js';
import { createTestDatabase, onDatabase, postgresAvailable } from '../helpers/pg.js';
import { call, calllogsPath, queryBody } from '../helpers/server.js';

const withPostgres = await postgresAvailable();
const key = { ak: 'ak-conn-loss', sk: 'sk-conn-loss-secret' };
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

describe.skipIf(!withPostgres)('a PostgreSQL connection lost in the middle of a transaction', () => {
  // A restart, a failover or an administrator's pg_terminate_backend ends the connections a query
  // holds; the process must answer that call with a store error and go on serving.
  it('fails that call with 503 and keeps the server running', async () => {
    const db = await createTestDatabase();
    expect((await runCli(['keys', 'create', '--all-vdns', '--ak', key.ak, '--sk', key.sk, '--db', db])).code).toBe(0);
    const server = await startServe(['--db', db, '--tz', 'UTC']);
    try {
      expect((await call(server.endpoint, calllogsPath(2), { key, body: queryBody() })).status).toBe(200);
      const answer = await onDatabase(db, async (locker) => {
        // The query's read waits behind this lock, inside its transaction, on a checked-out connection.
        await locker.query('BEGIN');
        await locker.query('LOCK TABLE records IN ACCESS EXCLUSIVE MODE');
        const pending = call(server.endpoint, calllogsPath(2), { key, body: queryBody() });
        let terminated = 0;
        for (let i = 0; i < 100 && terminated === 0; i++) {
          await sleep(50);
          const result = await locker.query(`SELECT pg_terminate_backend(pid) FROM pg_stat_activity
              WHERE datname = current_database() AND pid <> pg_backend_pid() AND wait_event_type = 'Lock'
              AND query LIKE 'SELECT%'`);
          terminated = result.rowCount ?? 0;
        }
        expect(terminated).toBeGreaterThan(0);
        const settled = await pending;
        await locker.query('ROLLBACK');
        return settled;
      });
      expect(answer.status).toBe(503);
      expect(answer.json).toMatchObject({ resultCode: expect.any(String) });
      expect(answer.text).not.toMatch(/terminat|SELECT|pg_|at \w+ \(/);
      expect((await call(server.endpoint, calllogsPath(2), { key, body: queryBody() })).status).toBe(200);
      expect(await server.stop()).toBe(0);
    } finally {
      await server.stop();
    }
  }, 60_000);
});
