import { readFileSync } from 'node:fs';
import { Ajv2020 } from 'ajv/dist/2020.js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { OPENAPI_DOCUMENT_PATH } from '../../src/server/plugins/openapi-document.js';
import { makeRecord } from '../helpers/records.js';
import { call, calllogsPath, queryBody, startTestServer, type TestServer } from '../helpers/server.js';

// Issue #12: the record interface shows what the calllogs answer leaves out (access key, client
// address, duration), for the console's record detail and for audits.

const T0 = Date.UTC(2022, 7, 21);
const recordPath = (vdn: number | string) => `${calllogsPath(vdn)}/record`;
// eslint-disable-next-line @typescript-eslint/no-explicit-any
const doc = JSON.parse(readFileSync(OPENAPI_DOCUMENT_PATH, 'utf8')) as any;

describe('the record interface', () => {
  let server: TestServer;
  const ajv = new Ajv2020({ strict: false, allErrors: true });
  ajv.addSchema(doc, 'openapi');
  const stored = makeRecord({ vdnId: 2, operTime: T0 + 1, ak: 'ak-integrator', clientIp: '2001:db8::7', durationMs: 1234.5, request: '{"calledNo":"138****1234"}' });
  const other = makeRecord({ vdnId: 3, operTime: T0 + 2, ak: 'ak-other', clientIp: '10.0.0.9', durationMs: 3 });

  beforeAll(async () => {
    server = await startTestServer();
    await server.store.insertBatch([stored, other]);
  });
  afterAll(() => server.close());

  const ask = (body: unknown, vdn: number | string = 2, key = server.key) => call(server.endpoint, recordPath(vdn), { key, body });

  it('answers a record named as the calllogs answer names it, with its VDN, access key, client address and duration', async () => {
    const page = await call(server.endpoint, calllogsPath(2), { key: server.key, body: queryBody() });
    const [listed] = page.json.result;
    expect(Object.keys(listed)).not.toContain('ak');
    const answer = await ask({ id: listed.id, operTime: listed.operTime });
    expect(answer.status).toBe(200);
    expect(answer.json.resultCode).toBe('0200000');
    expect(answer.json.result).toEqual({ ...listed, vdnId: 2, ak: 'ak-integrator', clientIp: '2001:db8::7', durationMs: 1234.5 });
    expect(ajv.validate({ $ref: 'openapi#/components/schemas/RecordResponse' }, answer.json), JSON.stringify(ajv.errors)).toBe(true);
  });

  it('answers null for a key it does not hold, and never a record of another VDN', async () => {
    const operTime = new Date(other.operTime).toISOString().replace('Z', '+00:00');
    const cases = [
      await ask({ id: other.id, operTime }, 2),
      await ask({ id: stored.id, operTime: new Date(stored.operTime + 1).toISOString() }, 2),
      await ask({ id: '9'.repeat(30), operTime }, 3),
    ];
    for (const answer of cases) {
      expect(answer.status).toBe(200);
      expect(answer.json.result).toBeNull();
      expect(ajv.validate({ $ref: 'openapi#/components/schemas/RecordResponse' }, answer.json)).toBe(true);
    }
    expect((await ask({ id: other.id, operTime }, 3)).json.result.ak).toBe('ak-other');
    const vdn3Only = await server.keys.create({ vdns: [3] });
    const refused = await ask({ id: stored.id, operTime: new Date(stored.operTime).toISOString() }, 2, vdn3Only);
    expect([refused.status, refused.json.resultCode]).toEqual([403, '0200403']);
  });

  it('refuses a bad body with the Table-6 code of the first broken rule, naming the field', async () => {
    const operTime = '2022-08-21T00:00:00.001+00:00';
    const id = stored.id;
    const cases: [unknown, string, string][] = [
      [[], '02000006', 'body'],
      [{}, '02000001', 'id'],
      [{ id: '', operTime }, '02000001', 'id'],
      [{ id: 12, operTime }, '02000006', 'id'],
      [{ id: id.slice(1), operTime }, '02000005', 'id'],
      [{ id: `${id.slice(1)}x`, operTime }, '02000008', 'id'],
      [{ id }, '02000001', 'operTime'],
      [{ id, operTime: 5 }, '02000006', 'operTime'],
      [{ id, operTime: '2022-08-21 00:00:00' }, '02000008', 'operTime'],
      [{ id, operTime: '2022-02-30T00:00:00.000+00:00' }, '02000008', 'operTime'],
    ];
    for (const [body, code, field] of cases) {
      const answer = await ask(body);
      expect([body, answer.status, answer.json.resultCode, answer.json.resultDesc.split(':')[0]]).toEqual([body, 400, code, field]);
    }
    const get = await call(server.endpoint, recordPath(2), { method: 'GET' });
    expect([get.status, get.json.resultCode, get.headers.allow]).toEqual([405, '0200405', 'POST']);
  });
});
