import Database from 'better-sqlite3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { CallRecord } from '../../src/contract/record.js';
import { call, calllogsPath, queryBody, startTestServer, type Key, type TestServer } from '../helpers/server.js';
import { makeRecord } from '../helpers/records.js';
import { createTestDatabase, onDatabase, postgresAvailable } from '../helpers/pg.js';
import { isPostgresUrl } from '../../src/store/db-url.js';

const withPostgres = await postgresAvailable();
const STORES = [
  { name: 'sqlite', skip: false, db: async () => undefined },
  { name: 'postgres', skip: !withPostgres, db: createTestDatabase },
];

/** Renames the records table from outside the server, as an operator's mistake would. */
async function renameRecordsTable(server: TestServer, from: string, to: string): Promise<void> {
  const sql = `ALTER TABLE ${from} RENAME TO ${to}`;
  if (isPostgresUrl(server.dbPath)) return void (await onDatabase(server.dbPath, (c) => c.query(sql)));
  const db = new Database(server.dbPath);
  db.exec(sql);
  db.close();
}

const T0 = Date.UTC(2022, 7, 20); // 2022-08-20 00:00:00 UTC

/** Every record stored so far, oldest first. */
async function recorded(server: TestServer): Promise<CallRecord[]> {
  await server.writer.flush();
  const out: CallRecord[] = [];
  for await (const r of server.store.scan({})) out.push(r);
  return out.sort((a, b) => a.operTime - b.operTime || (a.id < b.id ? -1 : 1));
}

async function lastRecord(server: TestServer): Promise<CallRecord> {
  const all = await recorded(server);
  return all[all.length - 1]!;
}

/** Nothing a response says may look like a stack trace, SQL or a secret. */
function expectNoLeak(text: string, key: Key): void {
  expect(text).not.toMatch(/\bat .+\.(js|ts):\d+|SELECT|INSERT|sqlite|SQLITE|Error:/);
  expect(text).not.toContain(key.sk);
}

for (const store of STORES) describe.skipIf(store.skip)(`calllogs interface over HTTP (${store.name})`, () => {
  let server: TestServer;
  let vdn2: Key;
  const seeded: CallRecord[] = [];

  beforeAll(async () => {
    const db = await store.db();
    server = await startTestServer(db ? { db } : {});
    vdn2 = await server.keys.create({ vdns: [2], label: 'vdn 2 only' });
    for (let i = 0; i < 250; i++) {
      seeded.push(makeRecord({ operTime: T0 + Math.floor(i / 2) * 3600_000, vdnId: i % 5 === 0 ? 3 : 2,
        url: i % 3 === 0 ? '/rest/isales/v1/openapi/campaigns/2/7/resume' : '/rest/isales/v1/openapi/campaigns/2' }));
    }
    await server.store.insertBatch(seeded);
  });
  afterAll(() => server.close());

  it('answers the seed example with the documented shape', async () => {
    const answer = await call(server.endpoint, calllogsPath(2), {
      key: server.key,
      body: { limit: 10, offset: 0, beginTime: '2022-08-20 15:55:55', endTime: '2022-08-23 15:55:55', url: '' },
    });
    expect(answer.status).toBe(200);
    expect(Object.keys(answer.json).sort()).toEqual(['count', 'result', 'resultCode', 'resultDesc', 'returnCode', 'returnDesc']);
    expect(answer.json).toMatchObject({ returnCode: '0200000', resultCode: '0200000', returnDesc: 'queryCalllogs success', resultDesc: 'queryCalllogs success' });
    expect(answer.json.result).toHaveLength(10);
    const first = answer.json.result[0];
    expect(Object.keys(first).sort()).toEqual(['httpStatus', 'id', 'operTime', 'request', 'resultCode', 'resultDesc', 'type', 'url']);
    expect(first.operTime).toMatch(/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}\+00:00$/);
    expect(typeof first.request).toBe('string');
    const inWindow = seeded.filter((r) => r.vdnId === 2 && r.operTime >= Date.parse('2022-08-20T15:55:55Z') && r.operTime < Date.parse('2022-08-23T15:55:56Z'));
    expect(answer.json.count).toBe(inWindow.length);
  });

  it('pages through a window: newest first, every record exactly once, then an empty page with the real count', async () => {
    const windowEnd = Date.parse('2022-08-27T00:00:00Z');
    const expected = seeded.filter((r) => r.vdnId === 2 && r.operTime < windowEnd)
      .sort((a, b) => b.operTime - a.operTime || (a.id < b.id ? 1 : -1)).map((r) => r.id);
    const seen: string[] = [];
    for (let offset = 0; offset <= expected.length; offset += 30) {
      const answer = await call(server.endpoint, calllogsPath(2), { key: vdn2, body: queryBody({ offset, limit: 30 }) });
      expect(answer.json.count).toBe(expected.length);
      seen.push(...answer.json.result.map((r: { id: string }) => r.id));
    }
    expect(seen).toEqual(expected);
    const past = await call(server.endpoint, calllogsPath(2), { key: vdn2, body: queryBody({ offset: 100_000, limit: 10 }) });
    expect(past.status).toBe(200);
    expect(past.json).toMatchObject({ result: [], count: expected.length });
  });

  it('filters on url exactly or by prefix', async () => {
    const exact = await call(server.endpoint, calllogsPath(2), { key: vdn2, body: queryBody({ url: '/rest/isales/v1/openapi/campaigns/2' }) });
    const prefix = await call(server.endpoint, calllogsPath(2), { key: vdn2, body: queryBody({ url: '/rest/isales/v1/openapi/campaigns/2*' }) });
    const all = await call(server.endpoint, calllogsPath(2), { key: vdn2, body: queryBody() });
    const resumeCount = seeded.filter((r) => r.vdnId === 2 && r.operTime < Date.parse('2022-08-27T00:00:00Z') && r.url.endsWith('/resume')).length;
    expect(exact.json.count).toBe(all.json.count - resumeCount);
    expect(prefix.json.count).toBe(all.json.count);
  });

  it('allows a window of exactly 7 days and rejects 7 days + 1 s', async () => {
    const ok = await call(server.endpoint, calllogsPath(2), { key: vdn2, body: queryBody({ beginTime: '2022-08-20 00:00:00', endTime: '2022-08-27 00:00:00' }) });
    expect(ok.status).toBe(200);
    const bad = await call(server.endpoint, calllogsPath(2), { key: vdn2, body: queryBody({ beginTime: '2022-08-20 00:00:00', endTime: '2022-08-27 00:00:01' }) });
    expect(bad.status).toBe(400);
    expect(bad.json.resultCode).toBe('02000009');
  });

  it('includes records at both ends of the window at second precision', async () => {
    const edge = [makeRecord({ operTime: Date.UTC(2023, 0, 1, 10, 0, 0, 0), vdnId: 9 }), makeRecord({ operTime: Date.UTC(2023, 0, 1, 10, 0, 5, 999), vdnId: 9 }),
      makeRecord({ operTime: Date.UTC(2023, 0, 1, 10, 0, 6, 0), vdnId: 9 }), makeRecord({ operTime: Date.UTC(2023, 0, 1, 9, 59, 59, 999), vdnId: 9 })];
    await server.store.insertBatch(edge);
    const answer = await call(server.endpoint, calllogsPath(9), { key: server.key, body: queryBody({ beginTime: '2023-01-01 10:00:00', endTime: '2023-01-01 10:00:05' }) });
    expect(answer.json.result.map((r: { id: string }) => r.id)).toEqual([edge[1]!.id, edge[0]!.id]);
  });

  describe('parameter errors: HTTP 400 with the Table 6 code, naming the field', () => {
    const cases: [string, unknown, string][] = [
      ['missing limit', { offset: 0, beginTime: '2022-08-20 00:00:00', endTime: '2022-08-21 00:00:00' }, '02000001'],
      ['url with a space', queryBody({ url: '/rest/a b' }), '02000002'],
      ['url too long', queryBody({ url: '/' + 'x'.repeat(2048) }), '02000003'],
      ['short time', queryBody({ beginTime: '2022-08-20' }), '02000005'],
      ['offset as a string', queryBody({ offset: '0' }), '02000006'],
      ['body is an array', [1, 2], '02000006'],
      ['limit 101', queryBody({ limit: 101 }), '02000007'],
      ['absurd offset', '{"offset":99999999999999999999999,"limit":1,"beginTime":"2022-08-20 00:00:00","endTime":"2022-08-21 00:00:00"}', '02000007'],
      ['not a calendar time', queryBody({ beginTime: '2022-02-30 10:00:00' }), '02000008'],
      ['malformed JSON', '{"offset":0,', '02000008'],
      ['binary garbage', new Uint8Array([0xff, 0x00, 0xfe, 0x7b, 0x80]), '02000008'],
      ['end before begin', queryBody({ beginTime: '2022-08-21 00:00:00', endTime: '2022-08-20 00:00:00' }), '02000009'],
      ['33 fields', Object.fromEntries(Array.from({ length: 33 }, (_, i) => [`f${i}`, i])), '02000011'],
      ['forbidden field name', '{"__proto__":{},"offset":0}', '0200001'],
      ['empty body', '', '02000001'],
    ];
    for (const [name, body, code] of cases) {
      it(`${code}: ${name}`, async () => {
        const answer = await call(server.endpoint, calllogsPath(2), { key: server.key, body });
        expect(answer.status).toBe(400);
        expect(answer.json.resultCode).toBe(code);
        expect(answer.json.returnCode).toBe(code);
        expect(answer.json.resultDesc).toBe(answer.json.returnDesc);
        expect(answer.json.resultDesc).toMatch(/^[\w_]+: /);
        expectNoLeak(answer.text, server.key);
        const record = await lastRecord(server);
        expect(record).toMatchObject({ httpStatus: 400, resultCode: code, resultDesc: answer.json.resultDesc, type: 'POST', vdnId: 2, ak: server.key.ak });
      });
    }

    for (const [vdn, code] of [['abc', '02000006'], ['1.5', '02000006'], ['0', '02000007'], ['10000', '02000007'], ['99999999999999999999', '02000007']]) {
      it(`${code}: path vdnId ${vdn}`, async () => {
        const answer = await call(server.endpoint, calllogsPath(vdn!), { key: server.key, body: queryBody() });
        expect(answer.status).toBe(400);
        expect(answer.json.resultCode).toBe(code);
        expect(answer.json.resultDesc).toMatch(/^vdnId: /);
        const record = await lastRecord(server);
        expect(record).toMatchObject({ url: calllogsPath(vdn!), httpStatus: 400, resultCode: code, vdnId: null });
        expect(JSON.parse(record.request).vdnId).toBe(/^\d{1,4}$/.test(vdn!) ? Number(vdn) : vdn);
      });
    }

    it('reports the path vdnId before body problems', async () => {
      const answer = await call(server.endpoint, calllogsPath('abc'), { key: server.key, body: '{bad json' });
      expect(answer.json.resultCode).toBe('02000006');
    });
  });

  describe('authentication and authorization', () => {
    it('401 for a missing, malformed or wrong signature, and records the attempt without secrets', async () => {
      const missing = await call(server.endpoint, calllogsPath(2), { body: queryBody() });
      expect(missing.status).toBe(401);
      expect(missing.json).toMatchObject({ resultCode: '0200401', returnCode: '0200401' });
      const malformed = await call(server.endpoint, calllogsPath(2), { body: queryBody(), headers: { authorization: 'Basic abc' } });
      expect(malformed.json.resultDesc).toMatch(/malformed/);
      const wrongSk = await call(server.endpoint, calllogsPath(2), { key: { ak: server.key.ak, sk: 'not-the-secret' }, body: queryBody() });
      expect(wrongSk.status).toBe(401);
      expect(wrongSk.json.resultDesc).toMatch(/signature does not match/);
      const unknown = await call(server.endpoint, calllogsPath(2), { key: { ak: 'nobody', sk: 'whatever' }, body: queryBody() });
      expect(unknown.json.resultDesc).toMatch(/unknown or disabled/);
      const stale = await call(server.endpoint, calllogsPath(2), { key: server.key, body: queryBody(), timestamp: new Date(Date.now() - 16 * 60_000) });
      expect(stale.status).toBe(401);
      expect(stale.json.resultDesc).toMatch(/clock skew/);
      const record = await lastRecord(server);
      expect(record).toMatchObject({ httpStatus: 401, resultCode: '0200401', ak: null, vdnId: 2 });
      const everything = JSON.stringify(await recorded(server));
      expect(everything.includes(server.key.sk)).toBe(false);
      expect(everything.includes(`auth-v2/${server.key.ak}`)).toBe(false);
    });

    it('401 when the body is changed after signing', async () => {
      const { signRequest } = await import('../../src/auth/sign-request.js');
      const { request } = await import('undici');
      const url = server.endpoint + calllogsPath(2);
      const body = JSON.stringify(queryBody());
      const headers = signRequest({ ...server.key, method: 'POST', url, headers: { 'content-type': 'application/json' }, body, signedHeaders: ['content-type'] });
      const response = await request(url, { method: 'POST', headers, body: body.replace('"limit":100', '"limit":99 ') });
      expect(response.statusCode).toBe(401);
      await response.body.text();
    });

    it('403 for a key scoped to VDN 2 calling VDN 3, and the scoped key sees VDN 2', async () => {
      const denied = await call(server.endpoint, calllogsPath(3), { key: vdn2, body: queryBody() });
      expect(denied.status).toBe(403);
      expect(denied.json).toMatchObject({ resultCode: '0200403', resultDesc: 'vdnId: the access key may not act on VDN 3' });
      expect(await lastRecord(server)).toMatchObject({ httpStatus: 403, ak: vdn2.ak, vdnId: 3 });
      const allowed = await call(server.endpoint, calllogsPath(2), { key: vdn2, body: queryBody({ limit: 100 }) });
      expect(allowed.status).toBe(200);
      expect(allowed.json.result.every((r: { url: string }) => r.url.includes('/campaigns/2'))).toBe(true);
    });

    it('401 once a key is disabled or deleted (after the lookup cache expires), 200 again when enabled', async () => {
      const db = await store.db();
      const quick = await startTestServer({ keyCacheMs: 100, ...(db ? { db } : {}) });
      try {
        const key = await quick.keys.create({ vdns: [4] });
        const status = async () => (await call(quick.endpoint, calllogsPath(4), { key, body: queryBody() })).status;
        const afterCache = () => new Promise((r) => setTimeout(r, 150));
        expect(await status()).toBe(200);
        await quick.keys.setDisabled(key.ak, true);
        await afterCache();
        expect(await status()).toBe(401);
        await quick.keys.setDisabled(key.ak, false);
        await afterCache();
        expect(await status()).toBe(200);
        await quick.keys.delete(key.ak);
        await afterCache();
        expect(await status()).toBe(401);
      } finally {
        await quick.close();
      }
    });
  });

  describe('other failures', () => {
    it('404 for an unknown interface once the caller is authenticated (401 before), recorded', async () => {
      const anonymous = await call(server.endpoint, '/rest/isales/v1/openapi/campaigns/2/nothing/here', { method: 'GET' });
      expect(anonymous.status).toBe(401);
      const answer = await call(server.endpoint, '/rest/isales/v1/openapi/campaigns/2/nothing/here?x=1', { key: server.key, body: { a: 1 } });
      expect(answer.status).toBe(404);
      expect(answer.json).toMatchObject({ resultCode: '0200404', returnCode: '0200404' });
      const record = await lastRecord(server);
      expect(record).toMatchObject({ url: '/rest/isales/v1/openapi/campaigns/2/nothing/here', httpStatus: 404, resultCode: '0200404', vdnId: 2 });
      expect(JSON.parse(record.request)).toEqual({ x: '1', a: 1 });
    });

    it('405 with Allow: POST for another method, recorded', async () => {
      const answer = await call(server.endpoint, calllogsPath(2), { method: 'GET' });
      expect(answer.status).toBe(405);
      expect(answer.headers.allow).toBe('POST');
      expect(answer.json.resultCode).toBe('0200405');
      expect(await lastRecord(server)).toMatchObject({ type: 'GET', httpStatus: 405, resultCode: '0200405' });
    });

    it('413 for a body over the limit, recorded, and the server keeps serving', async () => {
      const answer = await call(server.endpoint, calllogsPath(2), { key: server.key, body: JSON.stringify({ pad: 'x'.repeat(1024 * 1024) }) });
      expect(answer.status).toBe(413);
      expect(answer.json).toMatchObject({ resultCode: '0200413', resultDesc: 'body: must be at most 1048576 bytes' });
      expect(await lastRecord(server)).toMatchObject({ httpStatus: 413, resultCode: '0200413' });
      expect((await call(server.endpoint, calllogsPath(2), { key: server.key, body: queryBody() })).status).toBe(200);
    });

    it('415 for a content type that is not JSON, and for none', async () => {
      const text = await call(server.endpoint, calllogsPath(2), { key: server.key, body: JSON.stringify(queryBody()), headers: { 'content-type': 'text/plain' } });
      expect(text.status).toBe(415);
      expect(text.json.resultCode).toBe('0200415');
      const { signRequest } = await import('../../src/auth/sign-request.js');
      const { request } = await import('undici');
      const url = server.endpoint + calllogsPath(2);
      const body = JSON.stringify(queryBody());
      const none = await request(url, { method: 'POST', body, headers: signRequest({ ...server.key, method: 'POST', url, body }) });
      expect(none.statusCode).toBe(415);
      expect(await none.body.json()).toMatchObject({ resultCode: '0200415' });
      expect(await lastRecord(server)).toMatchObject({ httpStatus: 415, resultCode: '0200415', ak: server.key.ak });
      const upper = await call(server.endpoint, calllogsPath(2), { key: server.key, body: queryBody(), headers: { 'content-type': 'APPLICATION/JSON;Charset=utf-8' } });
      expect(upper.status).toBe(200);
    });

    it('500 without internals when the store fails unexpectedly', async () => {
      await renameRecordsTable(server, 'records', 'records_moved');
      try {
        const answer = await call(server.endpoint, calllogsPath(2), { key: server.key, body: queryBody() });
        expect(answer.status).toBe(500);
        expect(answer.json).toEqual({ returnCode: '0200500', resultCode: '0200500', returnDesc: 'internal error', resultDesc: 'internal error' });
        expectNoLeak(answer.text, server.key);
      } finally {
        await renameRecordsTable(server, 'records_moved', 'records');
      }
      expect(await lastRecord(server)).toMatchObject({ httpStatus: 500, resultCode: '0200500' });
    });
  });

  describe('hostile input', () => {
    it('survives deep nesting, huge JSON, unicode urls and absurd numbers, and records each', async () => {
      const before = (await recorded(server)).length;
      const deep = '{"offset":0,"limit":1,"beginTime":"2022-08-20 00:00:00","endTime":"2022-08-21 00:00:00","x":' + '['.repeat(200_000) + ']'.repeat(200_000) + '}';
      const answers = [
        await call(server.endpoint, calllogsPath(2), { key: server.key, body: deep }),
        await call(server.endpoint, calllogsPath(2), { key: server.key, body: queryBody({ junk: Array.from({ length: 20_000 }, (_, i) => ({ i, s: 'ü' })) }) }),
        await call(server.endpoint, calllogsPath(2), { key: server.key, body: queryBody({ url: '/rest/isales/v1/openapi/数据/😀*' }) }),
        await call(server.endpoint, calllogsPath(2), { key: server.key, body: '{"offset":1e400,"limit":-0,"beginTime":"2022-08-20 00:00:00","endTime":"2022-08-21 00:00:00"}' }),
        await call(server.endpoint, calllogsPath(2), { key: server.key, body: queryBody({ limit: 1.0000000000000002 }) }),
      ];
      expect(answers.map((a) => a.status)).toEqual([200, 200, 200, 400, 400]);
      expect(answers[3]!.json.resultCode).toBe('02000007');
      expect(answers[4]!.json.resultCode).toBe('02000006');
      for (const a of answers) expectNoLeak(a.text, server.key);
      const after = await recorded(server);
      expect(after.length).toBe(before + answers.length);
      for (const r of after.slice(-answers.length)) expect(Buffer.byteLength(r.request)).toBeLessThanOrEqual(64 * 1024);
      expect(JSON.parse(after[after.length - 5]!.request).x).toBeDefined();
      expect(JSON.parse(after[after.length - 4]!.request).truncated).toBe(true);
    });
  });

  describe('what is recorded', () => {
    it('records a successful query with every field', async () => {
      const answer = await call(server.endpoint, calllogsPath(2) + '?trace=1', { key: vdn2, body: queryBody({ limit: 3, sk: 'leaked?' }) });
      expect(answer.status).toBe(200);
      const record = await lastRecord(server);
      expect(record).toMatchObject({
        url: calllogsPath(2), type: 'POST', httpStatus: 200, resultCode: '0200000', resultDesc: 'queryCalllogs success',
        vdnId: 2, ak: vdn2.ak, clientIp: '127.0.0.1',
      });
      expect(record.id).toMatch(/^\d{30}$/);
      expect(record.id.slice(0, 13)).toBe(String(record.operTime));
      expect(Math.abs(record.operTime - Date.now())).toBeLessThan(10_000);
      expect(record.durationMs).toBeGreaterThan(0);
      expect(JSON.parse(record.request)).toEqual({ vdnId: 2, trace: '1', ...queryBody({ limit: 3 }), sk: '******' });
      // The query interface returns the record too, with the seed's eight fields only.
      const now = new Date();
      const fmt = (d: Date) => d.toISOString().slice(0, 19).replace('T', ' ');
      const found = await call(server.endpoint, calllogsPath(2), { key: vdn2, body: queryBody({ beginTime: fmt(new Date(now.getTime() - 60_000)), endTime: fmt(now), url: calllogsPath(2) }) });
      expect(found.json.result.find((r: { id: string }) => r.id === record.id)).toEqual({
        id: record.id, operTime: new Date(record.operTime).toISOString().replace('Z', '+00:00'), url: record.url, request: record.request,
        resultCode: '0200000', resultDesc: 'queryCalllogs success', httpStatus: 200, type: 'POST',
      });
    });
  });
});

describe('rate limiting', () => {
  it('429 with Retry-After once a key exceeds its requests per second', async () => {
    const server = await startTestServer({ rateLimit: 3 });
    try {
      const statuses: number[] = [];
      let limited;
      for (let i = 0; i < 6; i++) {
        const answer = await call(server.endpoint, calllogsPath(2), { key: server.key, body: queryBody() });
        statuses.push(answer.status);
        if (answer.status === 429) limited = answer;
      }
      expect(statuses.slice(0, 3)).toEqual([200, 200, 200]);
      expect(statuses).toContain(429);
      expect(limited!.json).toMatchObject({ resultCode: '0200429', returnCode: '0200429' });
      expect(Number(limited!.headers['retry-after'])).toBeGreaterThanOrEqual(1);
      expect(await lastRecord(server)).toMatchObject({ httpStatus: 429, resultCode: '0200429' });
    } finally {
      await server.close();
    }
  });
});

describe('time zone', () => {
  it('reads beginTime/endTime in a non-UTC --tz across a DST change', async () => {
    const server = await startTestServer({ timeZone: 'America/New_York' });
    try {
      // 2022-03-13 02:00 EST → 03:00 EDT. Records at 06:59:59Z (01:59:59 EST) and 07:00:00Z (03:00:00 EDT).
      const before = makeRecord({ operTime: Date.parse('2022-03-13T06:59:59Z'), vdnId: 5 });
      const after = makeRecord({ operTime: Date.parse('2022-03-13T07:00:00Z'), vdnId: 5 });
      const late = makeRecord({ operTime: Date.parse('2022-03-20T03:59:59Z'), vdnId: 5 }); // 2022-03-19 23:59:59 EDT
      await server.store.insertBatch([before, after, late]);
      const ask = async (beginTime: string, endTime: string) =>
        (await call(server.endpoint, calllogsPath(5), { key: server.key, body: queryBody({ beginTime, endTime }) })).json.result.map((r: { id: string }) => r.id);
      expect(await ask('2022-03-13 01:59:59', '2022-03-13 01:59:59')).toEqual([before.id]);
      // 02:30 does not exist that day: it is read as 03:30 EDT, so 03:00:00 EDT is before it.
      expect(await ask('2022-03-13 02:30:00', '2022-03-13 04:00:00')).toEqual([]);
      expect(await ask('2022-03-13 03:00:00', '2022-03-13 03:00:00')).toEqual([after.id]);
      // A 7-day wall-clock window across the change (6 days 23 h of real time) is accepted.
      expect(await ask('2022-03-12 23:59:59', '2022-03-19 23:59:59')).toEqual([late.id, after.id, before.id]);
    } finally {
      await server.close();
    }
  });
});
