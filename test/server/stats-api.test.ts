import { readFileSync } from 'node:fs';
import { Ajv2020 } from 'ajv/dist/2020.js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { OPENAPI_DOCUMENT_PATH } from '../../src/server/plugins/openapi-document.js';
import { makeRecord } from '../helpers/records.js';
import { call, calllogsPath, queryBody, startTestServer, type TestServer } from '../helpers/server.js';

// eslint-disable-next-line @typescript-eslint/no-explicit-any
const doc = JSON.parse(readFileSync(OPENAPI_DOCUMENT_PATH, 'utf8')) as any;
const statsPath = (vdn: number | string) => `${calllogsPath(vdn)}/stats`;
const DAY = { beginTime: '2022-08-20 00:00:00', endTime: '2022-08-20 23:59:59' };
const A = '/rest/isales/v1/openapi/campaigns/2';
const B = '/rest/isales/v1/openapi/obs/business/tasks';

describe('the stats interface and the outcome filter', () => {
  let server: TestServer;
  const ajv = new Ajv2020({ strict: false, allErrors: true });
  ajv.addSchema(doc, 'openapi');

  beforeAll(async () => {
    server = await startTestServer();
    const at = (h: number, m = 0) => Date.UTC(2022, 7, 20, h, m);
    await server.store.insertBatch([
      ...Array.from({ length: 6 }, (_, i) => makeRecord({ vdnId: 2, url: A, operTime: at(10, i) })),
      makeRecord({ vdnId: 2, url: A, operTime: at(10, 30), httpStatus: 500, resultCode: '0200500' }),
      ...Array.from({ length: 3 }, (_, i) => makeRecord({ vdnId: 2, url: B, operTime: at(12, i), resultCode: '02000001' })),
      makeRecord({ vdnId: 3, url: A, operTime: at(10) }),
    ]);
  });
  afterAll(() => server.close());

  it('counts calls and failures per bucket, in total and per interface', async () => {
    const answer = await call(server.endpoint, statsPath(2), { key: server.key, body: DAY });
    expect(answer.status).toBe(200);
    expect(ajv.validate({ $ref: 'openapi#/components/schemas/StatsResponse' }, answer.json), JSON.stringify(ajv.errors)).toBe(true);
    const { result } = answer.json;
    expect(result.bucketSeconds).toBe(3600);
    expect(result.buckets).toHaveLength(24);
    expect(result.buckets[10]).toMatchObject({ time: '2022-08-20T10:00:00.000+00:00', calls: 7, failures: 1 });
    expect(result.buckets[12]).toMatchObject({ time: '2022-08-20T12:00:00.000+00:00', calls: 3, failures: 3 });
    expect(result.buckets[0]).toEqual({ time: '2022-08-20T00:00:00.000+00:00', calls: 0, failures: 0, p50Ms: null, p95Ms: null, p99Ms: null });
    // Every call took 1.5 ms: whole hours read it from their histogram, within 2 %.
    for (const name of ['p50Ms', 'p95Ms', 'p99Ms']) expect(Math.abs(result.buckets[10][name] - 1.5)).toBeLessThanOrEqual(0.03);
    expect(result.topByAk).toEqual([{ ak: 'ak-test', calls: 10, failures: 4 }]);
    expect(result.topByResultCode).toEqual([
      { resultCode: '0200000', calls: 6, failures: 0 }, { resultCode: '02000001', calls: 3, failures: 3 }, { resultCode: '0200500', calls: 1, failures: 1 },
    ]);
    expect(result.total).toEqual({ calls: 10, failures: 4 });
    expect(result.topByCalls).toEqual([{ url: A, calls: 7, failures: 1 }, { url: B, calls: 3, failures: 3 }]);
    expect(result.topByFailures).toEqual([{ url: B, calls: 3, failures: 3 }, { url: A, calls: 7, failures: 1 }]);
    expect(answer.json.resultDesc).toBe('queryCalllogsStats success');
  });

  it('agrees with the calllogs count, with and without the outcome filter', async () => {
    const all = await call(server.endpoint, calllogsPath(2), { key: server.key, body: queryBody(DAY) });
    const failed = await call(server.endpoint, calllogsPath(2), { key: server.key, body: queryBody({ ...DAY, outcome: 'failure' }) });
    const succeeded = await call(server.endpoint, calllogsPath(2), { key: server.key, body: queryBody({ ...DAY, outcome: 'success' }) });
    expect([all.json.count, failed.json.count, succeeded.json.count]).toEqual([10, 4, 6]);
    expect(failed.json.result.every((r: { httpStatus: number; resultCode: string }) => r.httpStatus >= 400 || r.resultCode !== '0200000')).toBe(true);
    const bad = await call(server.endpoint, calllogsPath(2), { key: server.key, body: queryBody({ ...DAY, outcome: 'broken' }) });
    expect(bad.json).toMatchObject({ resultCode: '02000007', resultDesc: 'outcome: must be "success" or "failure"' });
  });

  it('chooses the bucket from the window and filters by interface', async () => {
    const hour = await call(server.endpoint, statsPath(2), { key: server.key, body: { beginTime: '2022-08-20 10:00:00', endTime: '2022-08-20 11:00:00' } });
    expect(hour.json.result.bucketSeconds).toBe(60);
    expect(hour.json.result.buckets).toHaveLength(61);
    expect(hour.json.result.buckets[30]).toMatchObject({ calls: 1, failures: 1 });
    const threeHours = await call(server.endpoint, statsPath(2), { key: server.key, body: { beginTime: '2022-08-20 10:00:00', endTime: '2022-08-20 13:00:00' } });
    expect(threeHours.json.result).toMatchObject({ bucketSeconds: 300, total: { calls: 10, failures: 4 } });
    expect(threeHours.json.result.buckets).toHaveLength(37);
    const fourHours = await call(server.endpoint, statsPath(2), { key: server.key, body: { beginTime: '2022-08-20 09:00:00', endTime: '2022-08-20 13:00:00' } });
    expect(fourHours.json.result).toMatchObject({ bucketSeconds: 3600, total: { calls: 10, failures: 4 } });
    expect(fourHours.json.result.buckets).toHaveLength(5);
    const week = await call(server.endpoint, statsPath(2), { key: server.key, body: { beginTime: '2022-08-17 00:00:00', endTime: '2022-08-24 00:00:00' } });
    expect(week.json.result.bucketSeconds).toBe(3600);
    expect(week.json.result.total).toEqual({ calls: 10, failures: 4 });
    const onlyB = await call(server.endpoint, statsPath(2), { key: server.key, body: { ...DAY, url: '/rest/isales/v1/openapi/obs/*' } });
    expect(onlyB.json.result.total).toEqual({ calls: 3, failures: 3 });
  });

  it('follows the calllogs rules for its body, its VDN scope and its method, and is recorded', async () => {
    const long = await call(server.endpoint, statsPath(2), { key: server.key, body: { beginTime: '2022-08-20 00:00:00', endTime: '2022-08-27 00:00:01' } });
    expect(long.json).toMatchObject({ resultCode: '02000009' });
    const missing = await call(server.endpoint, statsPath(2), { key: server.key, body: { endTime: '2022-08-20 00:00:00' } });
    expect(missing.json).toMatchObject({ resultCode: '02000001', resultDesc: 'beginTime: is required' });
    const vdn3 = await server.keys.create({ vdns: [3] });
    expect((await call(server.endpoint, statsPath(2), { key: vdn3, body: DAY })).status).toBe(403);
    expect((await call(server.endpoint, statsPath(3), { key: vdn3, body: DAY })).json.result.total).toEqual({ calls: 1, failures: 0 });
    expect((await call(server.endpoint, statsPath(2), { method: 'GET' })).status).toBe(405);
    await server.writer.flush();
    const now = new Date();
    const fmt = (d: Date) => d.toISOString().slice(0, 19).replace('T', ' ');
    const recorded = await call(server.endpoint, calllogsPath(2), {
      key: server.key, body: queryBody({ beginTime: fmt(new Date(now.getTime() - 600_000)), endTime: fmt(now), url: statsPath(2) }),
    });
    expect(recorded.json.count).toBeGreaterThanOrEqual(5);
  });
});
