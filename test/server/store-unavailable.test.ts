import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CalllogsError } from '../../src/contract/codes.js';
import { SqliteStore } from '../../src/store/sqlite/sqlite-store.js';
import { failingQueries, startApp, type RunningApp } from '../helpers/app.js';
import { call, calllogsPath, queryBody } from '../helpers/server.js';
import { tempDir } from '../helpers/tmp.js';

/**
 * The SQLite store turns "cannot reach the database" failures into UNAVAILABLE (see the store test,
 * which provokes a real lock timeout); here a real store answers queries with that failure while
 * `down` is set, to check what the HTTP layer makes of it.
 */
describe('store unavailable', () => {
  let store: SqliteStore;
  let running: RunningApp;
  let down = true;
  const key = { ak: 'ak-outage', sk: 'sk-outage-secret' };

  beforeAll(async () => {
    store = SqliteStore.open(join(tempDir(), 'down.db'));
    const faulty = failingQueries(store, () => (down ? new CalllogsError('UNAVAILABLE', 'store: temporarily unavailable', 1) : undefined));
    running = await startApp(faulty, store, [{ vdns: 'all', ...key }]);
  });
  afterAll(async () => {
    await running.close();
    await store.close();
  });

  it('answers 503 0200503 with Retry-After, records the call, and recovers', async () => {
    const answer = await call(running.endpoint, calllogsPath(2), { key, body: queryBody() });
    expect(answer.status).toBe(503);
    expect(answer.headers['retry-after']).toBe('1');
    expect(answer.json).toEqual({ returnCode: '0200503', resultCode: '0200503', returnDesc: 'store: temporarily unavailable', resultDesc: 'store: temporarily unavailable' });
    down = false;
    const after = await call(running.endpoint, calllogsPath(2), { key, body: queryBody({ beginTime: '2020-01-01 00:00:00', endTime: '2020-01-01 00:00:00' }) });
    expect(after.status).toBe(200);
    await running.writer.flush();
    const records = [];
    for await (const r of store.scan({ vdnId: 2 })) records.push(r);
    expect(records.map((r) => r.httpStatus)).toEqual([503, 200]);
  });
});
