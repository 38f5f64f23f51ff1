import { createServer, request as httpRequest, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { CallRecord } from '../../src/contract/record.js';
import { DEFAULT_UPSTREAM } from '../../src/server/config.js';
import { call, startTestServer, type CallOptions, type HttpAnswer, type TestServer } from '../helpers/server.js';
import { startSimulator, type Simulator } from '../helpers/simulator.js';

const API = '/rest/isales/v1/openapi';
const KEY = { ak: 'lane-test-ak', sk: 'lane-test-sk-0123456789abcdef' };

async function records(server: TestServer): Promise<CallRecord[]> {
  await server.writer.flush();
  const all: CallRecord[] = [];
  for await (const r of server.store.scan({})) all.push(r);
  return all.sort((a, b) => a.id.localeCompare(b.id));
}

/** What two servers must agree on for the same call: the answer as sent, less what differs by nature. */
function comparable(answer: HttpAnswer): unknown {
  // The general path's server counts calls for its rate limit and says so in headers of its own.
  const headers = Object.fromEntries(Object.entries(answer.headers).filter(([name]) => name !== 'date' && !name.startsWith('x-ratelimit-')));
  const json = answer.json as { headers?: Record<string, string> } | undefined;
  // The echo shows the forwarded request; its host and signature name each gateway's own port.
  if (json?.headers) {
    const { host: _host, authorization: _authorization, ...forwarded } = json.headers;
    return { status: answer.status, headers, json: { ...json, headers: forwarded } };
  }
  return { status: answer.status, headers, text: answer.text };
}

/** What two servers must agree on for the same call's record. */
function recorded({ id: _id, operTime: _operTime, durationMs: _durationMs, ...rest }: CallRecord): unknown {
  return rest;
}

describe.each([{ trustProxy: false }, { trustProxy: true }])('the direct lane (trust proxy: $trustProxy)', ({ trustProxy }) => {
  let sim: Simulator;
  let lane: TestServer;
  let general: TestServer;
  beforeAll(async () => {
    sim = await startSimulator();
    lane = await startTestServer({ upstream: { ...DEFAULT_UPSTREAM, url: sim.url }, trustProxy });
    // Rate limits are kept by a Fastify plugin: with one (never reached here), every call takes the general path.
    general = await startTestServer({ upstream: { ...DEFAULT_UPSTREAM, url: sim.url }, trustProxy, rateLimit: 1_000_000 });
    for (const server of [lane, general]) {
      await server.keys.create({ ...KEY, vdns: [2] });
      await server.writer.flush();
    }
  });
  afterAll(async () => {
    await lane.close();
    await general.close();
    await sim.stop();
  });

  it('answers and records every call exactly as the general path does, refusals included', async () => {
    const calls: [string, CallOptions][] = [
      [`${API}/campaigns/2?rowsPerPage=2`, { method: 'GET', key: KEY }],
      [`${API}/simulator/echo?a=1&vdnId=2`, { method: 'DELETE', key: KEY, headers: { 'x-trace': 't-1', 'x-forwarded-for': '203.0.113.7, 10.0.0.1' } }],
      [`${API}/campaigns/2/nothing`, { method: 'GET', key: KEY }],
      [`${API}/obs/business/callnos`, { key: KEY, body: { vdnId: 2, callNos: ['13812345678'] } }],
      ['/rest/isales/v2/openapi/campaigns/2/456', { method: 'PUT', key: KEY, body: {} }],
      [`${API}/simulator/echo`, { method: 'PATCH', key: KEY, body: { nested: { vdnId: 2 } } }],
      [`${API}/simulator/echo`, { method: 'DELETE', key: KEY, body: { vdnId: 2 } }],
      [`${API}/campaigns/2/file/addServer`, { key: KEY, body: 'not json', headers: { 'content-type': 'text/plain' } }],
      [`${API}/campaigns/2/file/addServer`, { key: KEY, body: 'vdnId=2&x=1', headers: { 'content-type': 'application/x-www-form-urlencoded' } }],
      // Refused: unsigned, another VDN (path, query, body), two VDNs, a body that is not one reading,
      // a header that re-routes, a path with two readings, a signature over other bytes.
      [`${API}/campaigns/2`, { method: 'GET' }],
      [`${API}/obs/business/tasks`, { body: { vdnId: 2 } }],
      [`${API}/campaigns/3`, { method: 'GET', key: KEY }],
      [`${API}/campaigns/2?vdnId=3`, { method: 'GET', key: KEY }],
      [`${API}/obs/business/tasks`, { key: KEY, body: { vdnId: 3, name: 't' } }],
      [`${API}/campaigns/2/file/addServer`, { key: KEY, body: { vdnId: 3 } }],
      [`${API}/obs/business/tasks`, { key: KEY, body: '{"vdnId":2,"vdnId":3}' }],
      [`${API}/obs/business/tasks`, { key: KEY, body: '\uFEFF{"vdnId":2}' }],
      [`${API}/obs/business/callnos`, { key: KEY, body: { callNos: [] } }],
      [`${API}/campaigns/2`, { method: 'GET', key: KEY, headers: { 'x-http-method-override': 'PUT' } }],
      [`${API}/campaigns/%32`, { method: 'GET', key: KEY }],
      // Not the lane's: a GET body (Fastify reads none), HEAD, a body over the limit, our own interface.
      [`${API}/simulator/echo`, { method: 'GET', key: KEY, body: { vdnId: 2 } }],
      [`${API}/campaigns/2`, { method: 'HEAD', key: KEY }],
      [`${API}/obs/business/tasks`, { key: KEY, body: { vdnId: 2, pad: 'x'.repeat(1024 * 1024) } }],
      [`${API}/campaigns/2/calllogs`, { method: 'GET', key: KEY }],
    ];
    const before = { lane: (await records(lane)).length, general: (await records(general)).length };
    // Twice: the second time the lane knows the router's answer for each method and path.
    for (const [path, options] of [...calls, ...calls]) {
      const [viaLane, viaGeneral] = [await call(lane.endpoint, path, options), await call(general.endpoint, path, options)];
      expect(comparable(viaLane), `${options.method} ${path}`).toEqual(comparable(viaGeneral));
    }
    const laneRecords = (await records(lane)).slice(before.lane);
    const generalRecords = (await records(general)).slice(before.general);
    expect(laneRecords).toHaveLength(2 * calls.length);
    expect(laneRecords.map(recorded)).toEqual(generalRecords.map(recorded));
    expect(laneRecords[0]).toMatchObject({ type: 'GET', httpStatus: 200, vdnId: 2, ak: KEY.ak, resultDesc: 'query success' });
    expect(laneRecords[1]!.clientIp).toBe(trustProxy ? '203.0.113.7' : '127.0.0.1');
    expect(laneRecords[3]).toMatchObject({ type: 'POST', httpStatus: 200, vdnId: 2, request: '{"vdnId":2,"callNos":["138****5678"]}' });
    const statuses = [200, 200, 404, 200, 400, 200, 200, 400, 400, 401, 401, 403, 400, 403, 400, 400, 400, 403, 400, 400, 401, 404, 413, 405];
    expect(laneRecords.map((r) => r.httpStatus)).toEqual([...statuses, ...statuses]);
  });

  it('records a body cut short by its caller as both paths do, and keeps serving', async () => {
    const { signRequest } = await import('../../src/auth/sign-request.js');
    for (const server of [lane, general]) {
      const url = `${server.endpoint}${API}/obs/business/tasks`;
      const body = '{"vdnId":2,"name":"cut short"}';
      const headers = signRequest({ ...KEY, method: 'POST', url, headers: { 'content-type': 'application/json' }, body });
      await new Promise<void>((resolve) => {
        const req = httpRequest(url, { method: 'POST', headers: { ...headers, 'content-length': String(body.length + 10) } });
        req.on('error', () => resolve());
        req.write(body, () => setTimeout(() => req.destroy(), 100));
      });
    }
    await new Promise((r) => setTimeout(r, 200));
    const [viaLane, viaGeneral] = [(await records(lane)).at(-1)!, (await records(general)).at(-1)!];
    expect(viaLane).toMatchObject({ httpStatus: 400, resultDesc: 'body: the connection closed before the body was complete', url: `${API}/obs/business/tasks` });
    expect(recorded(viaLane)).toEqual(recorded(viaGeneral));
    expect((await call(lane.endpoint, `${API}/campaigns/2`, { method: 'GET', key: KEY })).status).toBe(200);
  });
});

/** An upstream that starts a long answer to `…/big` and never finishes it, and reports when its answer is closed. */
async function stallingUpstream(): Promise<{ url: string; closed: Promise<boolean>; server: Server }> {
  let reportClose: (finished: boolean) => void = () => {};
  const closed = new Promise<boolean>((resolve) => (reportClose = resolve));
  const server = createServer((req, res: ServerResponse) => {
    res.writeHead(200, { 'content-type': 'application/json' });
    if (!req.url!.endsWith('/big')) return res.end('{"resultCode":"0200000"}');
    res.write(`{"resultCode":"0200000","data":"${'x'.repeat(256 * 1024)}`);
    res.once('close', () => reportClose(res.writableFinished));
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  return { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, closed, server };
}

describe('the direct lane when the caller goes away', () => {
  it('stops the upstream download, records the call, and keeps serving', async () => {
    const upstream = await stallingUpstream();
    const gw = await startTestServer({ upstream: { ...DEFAULT_UPSTREAM, url: upstream.url } });
    try {
      const { signRequest } = await import('../../src/auth/sign-request.js');
      const url = `${gw.endpoint}${API}/campaigns/2/big`;
      // The caller reads the first bytes of the answer, then hangs up.
      await new Promise<void>((resolve, reject) => {
        const req = httpRequest(url, { headers: signRequest({ ...gw.key, method: 'GET', url }) }, (res) => {
          res.once('data', () => {
            req.destroy();
            resolve();
          });
        });
        req.on('error', () => {});
        req.once('timeout', () => reject(new Error('no answer')));
        req.end();
      });
      expect(await upstream.closed).toBe(false);
      await gw.writer.flush();
      const all: CallRecord[] = [];
      for await (const r of gw.store.scan({})) all.push(r);
      expect(all.find((r) => r.url === `${API}/campaigns/2/big`)).toMatchObject({ httpStatus: 200, resultCode: '0200000', vdnId: 2 });
      const next = await call(gw.endpoint, `${API}/campaigns/2/other`, { method: 'GET', key: gw.key });
      expect(next.status).toBe(200);
    } finally {
      await gw.close();
      upstream.server.closeAllConnections();
      upstream.server.close();
    }
  });
});
