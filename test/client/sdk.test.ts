import { readFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { request } from 'undici';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CalllogsApiError, CalllogsClient, signRequest, type FilterParams } from '../../src/client/index.js';
import { CalllogsError } from '../../src/contract/codes.js';
import type { CallRecord, OpenapiLog } from '../../src/contract/record.js';
import { SqliteStore } from '../../src/store/sqlite/sqlite-store.js';
import { failingQueries, startApp } from '../helpers/app.js';
import { makeRecord } from '../helpers/records.js';
import { startTestServer, type TestServer } from '../helpers/server.js';
import { tempDir } from '../helpers/tmp.js';

const ZONE = 'Asia/Shanghai';
const DAY = 86_400_000;
const START = Date.parse('2022-07-31T16:00:00Z'); // 2022-08-01 00:00:00 in Shanghai

/** Expected order of the interface: operTime desc, id desc. */
const newestFirst = (a: { operTime: number; id: string }, b: { operTime: number; id: string }) =>
  b.operTime - a.operTime || (a.id < b.id ? 1 : -1);

async function collect(iterable: AsyncIterable<OpenapiLog>): Promise<OpenapiLog[]> {
  const out: OpenapiLog[] = [];
  for await (const r of iterable) out.push(r);
  return out;
}

describe('CalllogsClient.records over a real server', () => {
  let server: TestServer;
  let client: CalllogsClient;
  const stored: CallRecord[] = [];

  beforeAll(async () => {
    server = await startTestServer({ timeZone: ZONE });
    // 30 days with records on every day, at day edges too, plus 250 records in one second and
    // pairs sharing a millisecond.
    for (let day = 0; day < 30; day++) {
      for (let i = 0; i < 37; i++) stored.push(makeRecord({ vdnId: 6, operTime: START + day * DAY + Math.floor((i * DAY) / 37), ak: i % 3 ? 'ak-test' : 'ak-other', type: i % 2 ? 'GET' : 'POST' }));
      stored.push(makeRecord({ vdnId: 6, operTime: START + day * DAY + DAY - 1 }));
    }
    const burst = START + 12 * DAY + 5000;
    for (let i = 0; i < 250; i++) stored.push(makeRecord({ vdnId: 6, operTime: burst + (i % 7) }));
    stored.push(makeRecord({ vdnId: 6, operTime: START - 1 }), makeRecord({ vdnId: 6, operTime: START + 30 * DAY }));
    stored.push(makeRecord({ vdnId: 7, operTime: START + DAY }));
    await server.store.insertBatch(stored);
    client = new CalllogsClient({ endpoint: server.endpoint, ...server.key, timeZone: ZONE });
  });
  afterAll(async () => {
    await client.close();
    await server.close();
  });

  it('returns every record of a 30-day range exactly once, newest first', async () => {
    const got = await collect(client.records({ vdnId: 6, from: new Date(START), to: new Date(START + 30 * DAY - 1) }));
    const expected = stored.filter((r) => r.vdnId === 6 && r.operTime >= START && r.operTime < START + 30 * DAY).sort(newestFirst);
    expect(got.length).toBe(expected.length);
    expect(got.map((r) => r.id)).toEqual(expected.map((r) => r.id));
  });

  it('honours a url filter across windows', async () => {
    const url = stored[0]!.url;
    const got = await collect(client.records({ vdnId: 6, from: new Date(START), to: new Date(START + 30 * DAY - 1), url }));
    expect(got.length).toBeGreaterThan(0);
    expect(got.every((r) => r.url === url)).toBe(true);
  });

  it('yields no record twice and skips none while records arrive during the iteration', async () => {
    const from = new Date(START);
    const to = new Date(START + 30 * DAY - 1);
    const before = stored.filter((r) => r.vdnId === 6 && r.operTime >= START && r.operTime < START + 30 * DAY);
    const seen: OpenapiLog[] = [];
    const added: CallRecord[] = [];
    for await (const record of client.records({ vdnId: 6, from, to })) {
      seen.push(record);
      if (seen.length % 97 === 0) {
        // One newer than anything read so far, one among what was read, one in the second of the
        // record just read, one not read yet.
        const at = Date.parse(record.operTime);
        const batch = [makeRecord({ vdnId: 6, operTime: START + 30 * DAY - 2 }), makeRecord({ vdnId: 6, operTime: at + 3 * 3600_000 }),
          makeRecord({ vdnId: 6, operTime: at }), makeRecord({ vdnId: 6, operTime: at - 3600_000 })];
        await server.store.insertBatch(batch);
        added.push(...batch);
      }
    }
    const ids = seen.map((r) => r.id);
    expect(new Set(ids).size).toBe(ids.length);
    const got = new Set(ids);
    expect(before.filter((r) => !got.has(r.id))).toEqual([]);
    const times = seen.map((r) => [Date.parse(r.operTime), r.id] as const);
    expect(times.every((t, i) => i === 0 || t[0] < times[i - 1]![0] || (t[0] === times[i - 1]![0] && t[1] < times[i - 1]![1]))).toBe(true);
    expect(added.length).toBeGreaterThan(0);
    stored.push(...added);
  });

  it('stops when the signal aborts', async () => {
    const controller = new AbortController();
    const run = (async () => {
      let n = 0;
      for await (const _ of client.records({ vdnId: 6, from: new Date(START), to: new Date(START + 30 * DAY), signal: controller.signal })) {
        if (++n === 150) controller.abort(new Error('enough'));
      }
    })();
    await expect(run).rejects.toThrow('enough');
  });

  it('page() is one raw call with typed errors carrying resultCode', async () => {
    const page = await client.page({ vdnId: 6, offset: 0, limit: 5, beginTime: '2022-08-01 00:00:00', endTime: '2022-08-01 23:59:59' });
    const firstDay = stored.filter((r) => r.vdnId === 6 && r.operTime >= START && r.operTime < START + DAY);
    expect(page).toMatchObject({ resultCode: '0200000', count: firstDay.length });
    expect(page.result).toHaveLength(5);
    const error = await client.page({ vdnId: 6, offset: 0, limit: 500, beginTime: '2022-08-01 00:00:00', endTime: '2022-08-01 23:59:59' })
      .catch((e: unknown) => e);
    expect(error).toBeInstanceOf(CalllogsApiError);
    expect(error).toMatchObject({ status: 400, resultCode: '02000007', resultDesc: 'limit: must be between 1 and 100' });
  });

  it('stats() answers the stats interface, and page() takes the outcome filter', async () => {
    const window = { vdnId: 6, beginTime: '2022-08-01 00:00:00', endTime: '2022-08-01 23:59:59' };
    const firstDay = stored.filter((r) => r.vdnId === 6 && r.operTime >= START && r.operTime < START + DAY);
    const stats = await client.stats(window);
    expect(stats.bucketSeconds).toBe(3600);
    expect(stats.total).toEqual({ calls: firstDay.length, failures: 0 });
    expect((await client.page({ ...window, offset: 0, limit: 1, outcome: 'failure' })).count).toBe(0);
    const error = await client.stats({ ...window, endTime: '2022-08-09 00:00:00' }).catch((e: unknown) => e);
    expect(error).toMatchObject({ status: 400, resultCode: '02000009' });
  });

  it('page(), records() and stats() take the record filters, typed', async () => {
    const filters: FilterParams = { ak: [stored[0]!.ak!, 'ak-nobody'], httpStatus: stored[0]!.httpStatus, type: stored[0]!.type, minDurationMs: 0 };
    const inRange = stored.filter((r) => r.vdnId === 6 && r.operTime >= START && r.operTime < START + 30 * DAY);
    const matching = inRange.filter((r) => r.ak === stored[0]!.ak && r.httpStatus === stored[0]!.httpStatus && r.type === stored[0]!.type && r.durationMs !== null);
    const all = await collect(client.records({ vdnId: 6, from: new Date(START), to: new Date(START + 30 * DAY - 1), ...filters }));
    expect(all.map((r) => r.id).sort()).toEqual(matching.map((r) => r.id).sort());
    const window = { vdnId: 6, beginTime: '2022-08-01 00:00:00', endTime: '2022-08-01 23:59:59' };
    const firstDay = matching.filter((r) => r.operTime < START + DAY);
    expect((await client.page({ ...window, ...filters, offset: 0, limit: 1 })).count).toBe(firstDay.length);
    expect((await client.stats({ ...window, ...filters })).total.calls).toBe(firstDay.length);
    expect((await client.stats({ ...window, ak: 'ak-nobody' })).total.calls).toBe(0);
  });

  it('record() answers a listed record with its access key, client address and duration; undefined for none', async () => {
    const window = { vdnId: 6, beginTime: '2022-08-01 00:00:00', endTime: '2022-08-01 23:59:59' };
    const [listed] = (await client.page({ ...window, offset: 0, limit: 1 })).result;
    const kept = stored.find((r) => r.id === listed!.id)!;
    expect(await client.record({ vdnId: 6, id: listed!.id, operTime: listed!.operTime }))
      .toEqual({ ...listed, vdnId: 6, ak: kept.ak, clientIp: kept.clientIp, durationMs: kept.durationMs });
    expect(await client.record({ vdnId: 7, id: listed!.id, operTime: listed!.operTime })).toBeUndefined();
    const error = await client.record({ vdnId: 6, id: 'x', operTime: listed!.operTime }).catch((e: unknown) => e);
    expect(error).toMatchObject({ status: 400, resultCode: '02000005' });
  });
});

describe('CalllogsClient retries', () => {
  it('retries 429 (waiting Retry-After) and 503 and still returns every record once', async () => {
    const dir = tempDir();
    const store = SqliteStore.open(join(dir, 'retry.db'));
    const records = Array.from({ length: 450 }, (_, i) => makeRecord({ vdnId: 2, operTime: Date.UTC(2022, 7, 20) + i * 1000 }));
    await store.insertBatch(records);
    let calls = 0;
    // Every third query fails as the store would when it cannot be reached.
    const flaky = failingQueries(store, () => (++calls % 3 === 0 ? new CalllogsError('UNAVAILABLE', 'store: temporarily unavailable', 0) : undefined));
    const key = { ak: 'ak-retry', sk: 'sk-retry-secret' };
    const running = await startApp(flaky, store, [{ vdns: 'all', ...key }], { rateLimit: 3 });
    const client = new CalllogsClient({ endpoint: running.endpoint, ...key, timeZone: 'UTC', retry: { baseDelayMs: 20 } });
    try {
      const started = Date.now();
      const got = await collect(client.records({ vdnId: 2, from: new Date(Date.UTC(2022, 7, 20)), to: new Date(Date.UTC(2022, 7, 21)) }));
      expect(got.map((r) => r.id)).toEqual([...records].sort(newestFirst).map((r) => r.id));
      expect(Date.now() - started).toBeGreaterThanOrEqual(900); // at least one Retry-After: 1 was honoured
      await running.writer.flush();
      const statuses = [];
      for await (const r of store.scan({ vdnId: 2 })) if (r.ak === key.ak) statuses.push(r.httpStatus);
      expect(statuses).toContain(429);
      expect(statuses).toContain(503);
    } finally {
      await client.close();
      await running.close();
      await store.close();
    }
  }, 30_000);
});

describe('signRequest against the server', () => {
  let server: TestServer;
  beforeAll(async () => {
    server = await startTestServer();
  });
  afterAll(() => server.close());

  async function send(method: string, path: string, body?: string, tamper?: (h: Record<string, string>) => void): Promise<number> {
    const url = server.endpoint + path;
    const headers = signRequest({ ...server.key, method, url, headers: body ? { 'content-type': 'application/json; charset=UTF-8' } : {}, body });
    tamper?.(headers);
    const response = await request(url, { method: method as 'GET', headers, body });
    await response.body.text();
    return response.statusCode;
  }

  it('is verified for GET with a query, POST with a body and unicode values; tampering fails', async () => {
    // A verified GET reaches routing: 404 (no such interface), not 401.
    expect(await send('GET', '/rest/isales/v1/openapi/campaigns/2?status=0&name=张三 李&curPage=1&rowsPerPage=10&x=a%2Bb')).toBe(404);
    expect(await send('GET', '/rest/isales/v1/openapi/campaigns/2/data?q=😀&数据=1')).toBe(404);
    // A path that needs percent-encoding is refused before anything reads it (docs/decisions.md).
    expect(await send('GET', '/rest/isales/v1/openapi/campaigns/2/数据')).toBe(400);
    const body = JSON.stringify({ offset: 0, limit: 1, beginTime: '2022-08-20 00:00:00', endTime: '2022-08-20 00:00:00', url: '/rest/isales/v1/openapi/数据/*' });
    expect(await send('POST', '/rest/isales/v1/openapi/campaigns/2/calllogs', body)).toBe(200);
    expect(await send('GET', '/rest/isales/v1/openapi/campaigns/2?status=0', undefined, (h) => (h.authorization = h.authorization!.replace(/.$/, (c) => (c === '0' ? '1' : '0')))))
      .toBe(401);
    expect(await send('POST', '/rest/isales/v1/openapi/campaigns/2/calllogs', body, (h) => (h['content-type'] = 'application/json'))).toBe(401);
  });

  it('works with fetch', async () => {
    const url = server.endpoint + '/rest/isales/v1/openapi/campaigns/2/calllogs';
    const body = JSON.stringify({ offset: 0, limit: 1, beginTime: '2022-08-20 00:00:00', endTime: '2022-08-20 00:00:00' });
    const headers = signRequest({ ...server.key, method: 'POST', url, headers: { 'content-type': 'application/json' }, body });
    const answer = await fetch(url, { method: 'POST', headers, body });
    expect(answer.status).toBe(200);
  });
});

describe('the SDK entry point', () => {
  it('pulls in no server, store or Fastify code', () => {
    const root = resolve(dirname(fileURLToPath(import.meta.url)), '../../dist');
    const seen = new Set<string>();
    const external = new Set<string>();
    const visit = (file: string) => {
      if (seen.has(file)) return;
      seen.add(file);
      for (const [, spec] of readFileSync(file, 'utf8').matchAll(/^(?:import|export)[^'"]*from\s+'([^']+)'/gm)) {
        if (spec!.startsWith('.')) visit(join(dirname(file), spec!));
        else external.add(spec!);
      }
    };
    visit(join(root, 'client/index.js'));
    const local = [...seen].map((f) => f.slice(root.length + 1));
    expect(local.filter((f) => /^(server|store|cli|record)\//.test(f))).toEqual([]);
    expect([...external].filter((p) => !p.startsWith('node:')).sort()).toEqual(['temporal-polyfill', 'undici']);
  });
});
