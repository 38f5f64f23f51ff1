import { readFileSync } from 'node:fs';
import { Ajv2020 } from 'ajv/dist/2020.js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CODES } from '../../src/contract/codes.js';
import { OPENAPI_DOCUMENT_PATH } from '../../src/server/plugins/openapi-document.js';
import { call, calllogsPath, queryBody, startTestServer, type TestServer } from '../helpers/server.js';
import { makeRecord } from '../helpers/records.js';

// eslint-disable-next-line @typescript-eslint/no-explicit-any
const doc = JSON.parse(readFileSync(OPENAPI_DOCUMENT_PATH, 'utf8')) as any;
const operation = doc.paths['/rest/isales/v1/openapi/campaigns/{vdnId}/calllogs'].post;

describe('the OpenAPI document', () => {
  let server: TestServer;
  const ajv = new Ajv2020({ strict: false, allErrors: true });
  ajv.addSchema(doc, 'openapi');

  function validateResponse(status: number, body: unknown): void {
    const response = operation.responses[String(status)];
    expect(response, `status ${status} is documented`).toBeDefined();
    const ref = response.content['application/json'].schema.$ref as string;
    const ok = ajv.validate({ $ref: `openapi${ref}` }, body);
    expect(ajv.errors ?? [], `${status} ${JSON.stringify(body).slice(0, 200)}`).toEqual([]);
    expect(ok).toBe(true);
  }

  beforeAll(async () => {
    server = await startTestServer({ rateLimit: 50 });
    await server.store.insertBatch(Array.from({ length: 5 }, (_, i) => makeRecord({ vdnId: 2, operTime: Date.UTC(2022, 7, 21) + i })));
  });
  afterAll(() => server.close());

  it('is served at /openapi.json as shipped in the package', async () => {
    const answer = await call(server.endpoint, '/openapi.json', { method: 'GET' });
    expect(answer.status).toBe(200);
    expect(answer.headers['content-type']).toMatch(/^application\/json/);
    expect(answer.json).toEqual(doc);
    expect(doc.openapi).toBe('3.1.0');
  });

  it('lists exactly the codes of the registry', () => {
    const documented = [...doc.components.schemas.ErrorCode.enum].sort();
    expect(documented).toEqual(Object.values(CODES).map((c) => c.code).sort());
  });

  it('agrees with real responses of every documented status', async () => {
    const cases: [number, Promise<{ status: number; json: unknown }>][] = [
      [200, call(server.endpoint, calllogsPath(2), { key: server.key, body: queryBody() })],
      [200, call(server.endpoint, calllogsPath(2), { key: server.key, body: queryBody({ offset: 1000 }) })],
      [400, call(server.endpoint, calllogsPath(2), { key: server.key, body: queryBody({ limit: 0 }) })],
      [401, call(server.endpoint, calllogsPath(2), { body: queryBody() })],
      [404, call(server.endpoint, '/rest/isales/v1/openapi/nothing', { key: server.key, body: {} })],
      [405, call(server.endpoint, calllogsPath(2), { method: 'GET' })],
      [413, call(server.endpoint, calllogsPath(2), { key: server.key, body: 'x'.repeat(1024 * 1024 + 1) })],
      [415, call(server.endpoint, calllogsPath(2), { key: server.key, body: '{}', headers: { 'content-type': 'text/plain' } })],
    ];
    const vdn3 = await server.keys.create({ vdns: [3] });
    cases.push([403, call(server.endpoint, calllogsPath(2), { key: vdn3, body: queryBody() })]);
    for (const [status, pending] of cases) {
      const answer = await pending;
      expect(answer.status).toBe(status);
      validateResponse(status, answer.json);
    }
    let limited;
    for (let i = 0; i < 80 && !limited; i++) {
      const answer = await call(server.endpoint, calllogsPath(2), { key: server.key, body: queryBody() });
      if (answer.status === 429) limited = answer;
    }
    expect(limited).toBeDefined();
    validateResponse(429, limited!.json);
    expect(operation.responses['429'].headers['Retry-After']).toBeDefined();
  });

  it('its request example is a valid request', () => {
    expect(ajv.validate({ $ref: 'openapi#/components/schemas/QueryRequest' }, operation.requestBody.content['application/json'].example)).toBe(true);
  });

  it('documents the filter fields as the server reads them: what one accepts, the other does', async () => {
    const accepted = [
      { ak: 'ak-1', resultCode: ['0200000', '02000007'], httpStatus: [200, 502], type: 'GET', clientIp: '::1', minDurationMs: 2.5, text: 'abc' },
      { ak: [], resultCode: null, httpStatus: 404, type: ['PUT', 'DELETE'], clientIp: null, minDurationMs: 0, text: null },
    ];
    const refused = [{ ak: Array.from({ length: 21 }, (_, i) => `a${i}`) }, { httpStatus: 99 }, { type: 'get' }, { text: 'ab' }, { minDurationMs: -1 }, { resultCode: [''] }];
    // This server limits requests per second; the test before used up the second.
    await new Promise((resolve) => setTimeout(resolve, 1100));
    for (const [schema, path] of [['QueryRequest', calllogsPath(2)], ['StatsRequest', `${calllogsPath(2)}/stats`]] as const) {
      for (const filters of accepted) {
        const body = schema === 'QueryRequest' ? queryBody(filters) : { beginTime: '2022-08-20 00:00:00', endTime: '2022-08-21 00:00:00', ...filters };
        expect([schema, filters, ajv.validate({ $ref: `openapi#/components/schemas/${schema}` }, body)]).toEqual([schema, filters, true]);
        expect((await call(server.endpoint, path, { key: server.key, body })).status).toBe(200);
      }
      for (const filters of refused) {
        const body = schema === 'QueryRequest' ? queryBody(filters) : { beginTime: '2022-08-20 00:00:00', endTime: '2022-08-21 00:00:00', ...filters };
        expect([schema, filters, ajv.validate({ $ref: `openapi#/components/schemas/${schema}` }, body)]).toEqual([schema, filters, false]);
        expect((await call(server.endpoint, path, { key: server.key, body })).status).toBe(400);
      }
    }
  });
});
