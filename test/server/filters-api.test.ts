import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { makeRecord } from '../helpers/records.js';
import { call, calllogsPath, queryBody, startTestServer, type TestServer } from '../helpers/server.js';

// Issue #12: the filter fields of the calllogs and stats bodies over HTTP.

const T0 = Date.UTC(2022, 7, 21);
const statsPath = (vdn: number) => `${calllogsPath(vdn)}/stats`;

describe('filters over HTTP', () => {
  let server: TestServer;
  beforeAll(async () => {
    server = await startTestServer();
    await server.store.insertBatch([
      makeRecord({ operTime: T0 + 1, ak: 'ak-a', resultCode: '02000007', httpStatus: 400, type: 'POST', clientIp: '10.1.1.1', durationMs: 2500, request: '{"campaignId":"456","calledNo":"138****1234"}' }),
      makeRecord({ operTime: T0 + 2, ak: 'ak-a', resultCode: '0200000', httpStatus: 200, type: 'GET', clientIp: '10.1.1.2', durationMs: 12 }),
      makeRecord({ operTime: T0 + 3, ak: 'ak-b', resultCode: '0200500', httpStatus: 502, type: 'PUT', clientIp: '10.1.1.1', durationMs: 3100, resultDesc: 'Upstream TIMEOUT' }),
      makeRecord({ operTime: T0 + 4, ak: null, resultCode: '0200401', httpStatus: 401, type: 'GET', clientIp: '::1', durationMs: 0.4 }),
    ]);
  });
  afterAll(() => server.close());

  const query = async (extra: Record<string, unknown>, path = calllogsPath(2)) => call(server.endpoint, path, { key: server.key, body: queryBody(extra) });

  it('filters by access key, result code, status, method, client address, duration and text; lists mean any of them', async () => {
    const counts: [Record<string, unknown>, number][] = [
      [{}, 4],
      [{ ak: 'ak-a' }, 2],
      [{ ak: ['ak-a', 'ak-b'] }, 3],
      [{ resultCode: '02000007' }, 1],
      [{ httpStatus: [502, 401] }, 2],
      [{ type: 'GET' }, 2],
      [{ clientIp: '10.1.1.1' }, 2],
      [{ clientIp: '::1' }, 1],
      [{ minDurationMs: 2000 }, 2],
      [{ text: '138****' }, 1],
      [{ text: 'upstream timeout' }, 1],
      [{ ak: 'ak-a', minDurationMs: 2000, type: 'POST' }, 1],
      [{ ak: 'ak-b', httpStatus: 200 }, 0],
      [{ ak: [], resultCode: null, text: '' }, 4],
    ];
    for (const [filters, count] of counts) {
      const answer = await query(filters);
      expect([filters, answer.status, answer.json.count]).toEqual([filters, 200, count]);
    }
    const slow = await query({ minDurationMs: 2000 });
    expect(slow.json.result.map((r: { resultCode: string }) => r.resultCode)).toEqual(['0200500', '02000007']);
  });

  it('the stats take the same filters', async () => {
    const answer = await call(server.endpoint, statsPath(2), { key: server.key, body: { beginTime: '2022-08-21 00:00:00', endTime: '2022-08-21 02:00:00', ak: 'ak-a' } });
    expect(answer.status).toBe(200);
    expect(answer.json.result.total).toEqual({ calls: 2, failures: 1 });
  });

  it('refuses bad filter values with the Table-6 code of the first broken rule, naming the field', async () => {
    const cases: [Record<string, unknown>, string, string][] = [
      [{ ak: 5 }, '02000006', 'ak'],
      [{ ak: ['a', 3] }, '02000006', 'ak'],
      [{ ak: [''] }, '02000007', 'ak'],
      [{ ak: Array.from({ length: 21 }, (_, i) => `ak${i}`) }, '02000011', 'ak'],
      [{ ak: 'x'.repeat(129) }, '02000003', 'ak'],
      [{ resultCode: { code: 1 } }, '02000006', 'resultCode'],
      [{ resultCode: 'x'.repeat(65) }, '02000003', 'resultCode'],
      [{ httpStatus: '200' }, '02000006', 'httpStatus'],
      [{ httpStatus: 200.5 }, '02000006', 'httpStatus'],
      [{ httpStatus: [200, 99] }, '02000007', 'httpStatus'],
      [{ httpStatus: 600 }, '02000007', 'httpStatus'],
      [{ type: 'get' }, '02000007', 'type'],
      [{ type: 7 }, '02000006', 'type'],
      [{ clientIp: 7 }, '02000006', 'clientIp'],
      [{ clientIp: 'localhost' }, '02000007', 'clientIp'],
      [{ clientIp: '10.0.0.256' }, '02000007', 'clientIp'],
      [{ clientIp: '::g' }, '02000007', 'clientIp'],
      [{ minDurationMs: '5' }, '02000006', 'minDurationMs'],
      [{ minDurationMs: -1 }, '02000007', 'minDurationMs'],
      [{ text: 5 }, '02000006', 'text'],
      [{ text: 'ab' }, '02000004', 'text'],
      [{ text: 'x'.repeat(201) }, '02000003', 'text'],
      // Contract fields first, then the extensions in their order.
      [{ limit: 0, ak: 5 }, '02000007', 'limit'],
      [{ outcome: 'maybe', ak: 5 }, '02000007', 'outcome'],
      [{ ak: 5, httpStatus: 99 }, '02000006', 'ak'],
      [{ httpStatus: 99, text: 'ab' }, '02000007', 'httpStatus'],
    ];
    for (const [filters, code, field] of cases) {
      // The stats interface has no paging fields.
      for (const path of 'limit' in filters ? [calllogsPath(2)] : [calllogsPath(2), statsPath(2)]) {
        const answer = await query(filters, path);
        expect([path, filters, answer.status, answer.json.resultCode]).toEqual([path, filters, 400, code]);
        expect(answer.json.resultDesc).toMatch(new RegExp(`^${field}: `));
      }
    }
    // 1e400 is infinite: out of range (JSON.stringify cannot write it).
    const infinite = await call(server.endpoint, calllogsPath(2), { key: server.key, body: JSON.stringify(queryBody()).replace('}', ',"minDurationMs":1e400}') });
    expect(infinite.json).toMatchObject({ resultCode: '02000007', resultDesc: expect.stringMatching(/^minDurationMs: /) });
  });
});
