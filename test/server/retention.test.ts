import { describe, expect, it } from 'vitest';
import { createTestDatabase, postgresAvailable } from '../helpers/pg.js';
import { makeRecord } from '../helpers/records.js';
import { startTestServer } from '../helpers/server.js';

const withPostgres = await postgresAvailable();
const DAY = 86_400_000;

describe.each([
  { name: 'sqlite', skip: false, db: async () => ({}) },
  { name: 'postgres', skip: !withPostgres, db: async () => ({ db: await createTestDatabase() }) },
])('retention on $name', ({ skip, db }) => {
  it.skipIf(skip)('removes records older than --retention-days in the background and keeps the rest', async () => {
    const today = Math.floor(Date.now() / DAY) * DAY;
    const server = await startTestServer({ ...(await db()), retentionDays: 3, upkeepIntervalMs: 200 });
    try {
      const old = [makeRecord({ operTime: today - 10 * DAY }), makeRecord({ operTime: today - 4 * DAY - 1 })];
      const kept = [makeRecord({ operTime: today - 2 * DAY }), makeRecord({ operTime: today + 1000 })];
      await server.store.insertBatch([...old, ...kept]);
      const deadline = Date.now() + 5000;
      while ((await server.store.countRecords()) > kept.length && Date.now() < deadline) await new Promise((r) => setTimeout(r, 100));
      const left = [];
      for await (const r of server.store.scan({})) left.push(r.id);
      expect(left.sort()).toEqual(kept.map((r) => r.id).sort());
    } finally {
      await server.close();
    }
  });
});
