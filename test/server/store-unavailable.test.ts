import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { FastifyInstance } from 'fastify';
import { KeyStore } from '../../src/auth/key-store.js';
import { CalllogsError } from '../../src/contract/codes.js';
import { createIdGenerator } from '../../src/record/ids.js';
import { createRedactor } from '../../src/record/redact.js';
import { RecordWriter } from '../../src/record/writer.js';
import { buildApp } from '../../src/server/app.js';
import { defaultConfig } from '../../src/server/config.js';
import { SqliteStore } from '../../src/store/sqlite/sqlite-store.js';
import type { LogStore } from '../../src/store/types.js';
import { call, calllogsPath, queryBody } from '../helpers/server.js';
import { tempDir } from '../helpers/tmp.js';

/**
 * The SQLite store turns "cannot reach the database" failures into UNAVAILABLE (see the store test,
 * which provokes a real lock timeout); here a real store answers queries with that failure while
 * `down` is set, to check what the HTTP layer makes of it.
 */
describe('store unavailable', () => {
  let app: FastifyInstance;
  let store: SqliteStore;
  let writer: RecordWriter;
  let endpoint: string;
  let down = true;
  const key = { ak: 'ak-outage', sk: 'sk-outage-secret' };

  beforeAll(async () => {
    store = SqliteStore.open(join(tempDir(), 'down.db'));
    const faulty: LogStore = Object.assign(Object.create(store) as LogStore, {
      query: (q: Parameters<LogStore['query']>[0]) =>
        down ? Promise.reject(new CalllogsError('UNAVAILABLE', 'store: temporarily unavailable', 1)) : store.query(q),
    });
    const keys = new KeyStore(store.keys, undefined);
    await keys.create({ vdns: 'all', ...key });
    writer = new RecordWriter(store);
    app = await buildApp({ config: { ...defaultConfig(), logLevel: 'silent' }, store: faulty, keys, writer, ids: createIdGenerator(), redact: createRedactor() });
    endpoint = await app.listen({ host: '127.0.0.1', port: 0 });
  });
  afterAll(async () => {
    await app.close();
    await writer.close();
    await store.close();
  });

  it('answers 503 0200503 with Retry-After, records the call, and recovers', async () => {
    const answer = await call(endpoint, calllogsPath(2), { key, body: queryBody() });
    expect(answer.status).toBe(503);
    expect(answer.headers['retry-after']).toBe('1');
    expect(answer.json).toEqual({ returnCode: '0200503', resultCode: '0200503', returnDesc: 'store: temporarily unavailable', resultDesc: 'store: temporarily unavailable' });
    down = false;
    const after = await call(endpoint, calllogsPath(2), { key, body: queryBody({ beginTime: '2020-01-01 00:00:00', endTime: '2020-01-01 00:00:00' }) });
    expect(after.status).toBe(200);
    await writer.flush();
    const records = [];
    for await (const r of store.scan({ vdnId: 2 })) records.push(r);
    expect(records.map((r) => r.httpStatus)).toEqual([503, 200]);
  });
});
