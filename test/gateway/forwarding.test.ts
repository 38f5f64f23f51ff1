import { request as httpRequest, type IncomingHttpHeaders } from 'node:http';
import { createServer } from 'node:net';
import { request } from 'undici';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { CallRecord } from '../../src/contract/record.js';
import { DEFAULT_UPSTREAM, type UpstreamConfig } from '../../src/server/config.js';
import { call, calllogsPath, queryBody, startTestServer, type TestServer } from '../helpers/server.js';
import { startSimulator, type Simulator } from '../helpers/simulator.js';
import { selfSignedCertificate } from '../helpers/tls.js';

const API = '/rest/isales/v1/openapi';

function gatewayTo(url: string, config: Partial<UpstreamConfig> = {}): Promise<TestServer> {
  return startTestServer({ upstream: { ...DEFAULT_UPSTREAM, url, ...config } });
}

async function records(server: TestServer): Promise<CallRecord[]> {
  await server.writer.flush();
  const all: CallRecord[] = [];
  for await (const r of server.store.scan({})) all.push(r);
  return all;
}

async function lastRecord(server: TestServer): Promise<CallRecord> {
  const all = await records(server);
  return all.sort((a, b) => a.id.localeCompare(b.id)).at(-1)!;
}

/** A loopback port nothing listens on (taken, then released). */
async function freePort(): Promise<number> {
  const probe = createServer();
  await new Promise<void>((r) => probe.listen(0, '127.0.0.1', r));
  const { port } = probe.address() as { port: number };
  await new Promise<void>((r) => probe.close(() => r()));
  return port;
}

describe('the gateway in verify mode', () => {
  let sim: Simulator;
  let gw: TestServer;
  beforeAll(async () => {
    sim = await startSimulator();
    gw = await gatewayTo(sim.url);
  });
  afterAll(async () => {
    await gw.close();
    await sim.stop();
  });

  it('forwards a signed call and returns the upstream status, headers and body unchanged', async () => {
    const direct = await request(`${sim.url}${API}/campaigns/2?rowsPerPage=2`);
    const directText = await direct.body.text();
    const answer = await call(gw.endpoint, `${API}/campaigns/2?rowsPerPage=2`, { method: 'GET', key: gw.key });
    expect(answer.status).toBe(200);
    expect(answer.text).toBe(directText);
    expect(answer.headers['content-type']).toBe('application/json;charset=UTF-8');
    const record = await lastRecord(gw);
    expect(record).toMatchObject({
      url: `${API}/campaigns/2`, type: 'GET', httpStatus: 200, vdnId: 2, ak: gw.key.ak,
      resultCode: '0200000', resultDesc: 'query success', request: '{"vdnId":2,"rowsPerPage":"2"}',
    });
  });

  it('names path parameters from the route catalog, v2 interfaces included', async () => {
    await call(gw.endpoint, '/rest/isales/v2/openapi/campaigns/2/456', { method: 'PUT', key: gw.key, body: { name: 'spring' } });
    expect(JSON.parse((await lastRecord(gw)).request)).toEqual({ vdnId: 2, campaignId: '456', name: 'spring' });
    await call(gw.endpoint, `${API}/campaigns/2/calldata/456/789`, { method: 'GET', key: gw.key });
    expect(JSON.parse((await lastRecord(gw)).request)).toEqual({ vdnId: 2, campaignId: '456', dataId: '789' });
  });

  it('records the upstream failure code, and forwards and records unknown interfaces', async () => {
    const bad = await call(gw.endpoint, '/rest/isales/v2/openapi/campaigns/2/456', { method: 'PUT', key: gw.key, body: {} });
    expect(bad.status).toBe(400);
    expect(await lastRecord(gw)).toMatchObject({ httpStatus: 400, resultCode: '02000001', resultDesc: 'name: is required' });
    const unknown = await call(gw.endpoint, `${API}/nothing/here`, { method: 'GET', key: gw.key });
    expect(unknown.status).toBe(404);
    expect(unknown.json).toEqual({ resultCode: '0200404', resultDesc: 'no such interface' });
    expect(await lastRecord(gw)).toMatchObject({ url: `${API}/nothing/here`, vdnId: null, resultCode: '0200404' });
  });

  it('forwards end-to-end headers with the Host the caller signed, and no hop-by-hop ones', async () => {
    const { signRequest } = await import('../../src/auth/sign-request.js');
    const url = `${gw.endpoint}${API}/simulator/echo?a=1`;
    const body = '{"hello":"world"}';
    const headers = {
      ...signRequest({ ...gw.key, method: 'POST', url, headers: { 'content-type': 'application/json' }, body }),
      connection: 'keep-alive, x-hop', 'x-hop': 'private', 'x-trace': 't-1', 'keep-alive': 'timeout=5',
    };
    // node:http, because undici refuses to send hop-by-hop headers at all.
    const answer = await new Promise<{ status: number; headers: IncomingHttpHeaders; json: any }>((resolve, reject) => { // eslint-disable-line @typescript-eslint/no-explicit-any
      const req = httpRequest(url, { method: 'POST', headers }, (res) => {
        let text = '';
        res.on('data', (d) => (text += d));
        res.on('end', () => resolve({ status: res.statusCode!, headers: res.headers, json: JSON.parse(text) }));
      });
      req.on('error', reject);
      req.end(body);
    });
    expect(answer.status).toBe(200);
    expect(answer.headers['x-simulator']).toBe('echo');
    const seen = answer.json.headers as Record<string, string>;
    expect(seen.host).toBe(new URL(gw.endpoint).host);
    expect(seen.authorization).toMatch(/^auth-v2\//);
    expect(seen['x-trace']).toBe('t-1');
    expect(seen['x-forwarded-for']).toBe('127.0.0.1');
    expect(seen['x-hop']).toBeUndefined();
    expect(seen['keep-alive']).toBeUndefined();
    expect(answer.json).toMatchObject({ method: 'POST', url: `${API}/simulator/echo?a=1`, body });
  });

  it('authenticates before forwarding: unsigned is 401, another VDN (path or body) is 403, all recorded', async () => {
    const unsigned = await call(gw.endpoint, `${API}/campaigns/2`, { method: 'GET' });
    expect(unsigned.status).toBe(401);
    expect(unsigned.json.resultCode).toBe('0200401');
    const scoped = await gw.keys.create({ vdns: [2], label: 'vdn 2' });
    const key = { ak: scoped.ak, sk: scoped.sk };
    expect((await call(gw.endpoint, `${API}/campaigns/3`, { method: 'GET', key })).status).toBe(403);
    const otherBody = await call(gw.endpoint, `${API}/obs/business/tasks`, { key, body: { vdnId: 3, name: 't' } });
    expect(otherBody.status).toBe(403);
    expect(await lastRecord(gw)).toMatchObject({ vdnId: 3, httpStatus: 403, resultCode: '0200403', ak: key.ak });
    const ownBody = await call(gw.endpoint, `${API}/obs/business/tasks`, { key, body: { vdnId: 2, name: 't' } });
    expect(ownBody.status).toBe(200);
    expect(await lastRecord(gw)).toMatchObject({ vdnId: 2, httpStatus: 200, resultCode: '0200000' });
  });

  it('keeps calls that name no VDN, visible through /calllogs to all-VDN keys only', async () => {
    await call(gw.endpoint, `${API}/obs/business/callnos`, { key: gw.key, body: { callNos: ['13812345678'] } });
    const body = queryBody({ beginTime: '2020-01-01 00:00:00', endTime: '2020-01-07 00:00:00' });
    const now = new Date();
    const fmt = (d: Date) => d.toISOString().slice(0, 19).replace('T', ' ');
    Object.assign(body, { beginTime: fmt(new Date(now.getTime() - 3_600_000)), endTime: fmt(new Date(now.getTime() + 60_000)) });
    await gw.writer.flush();
    const all = await call(gw.endpoint, `${API}/calllogs`, { key: gw.key, body });
    expect(all.status).toBe(200);
    expect(all.json.result.map((r: { url: string }) => r.url)).toContain(`${API}/obs/business/callnos`);
    expect(all.json.result.every((r: { url: string }) => !r.url.includes('/campaigns/'))).toBe(true);
    const scoped = await gw.keys.create({ vdns: [2], label: 'vdn 2' });
    const denied = await call(gw.endpoint, `${API}/calllogs`, { key: { ak: scoped.ak, sk: scoped.sk }, body });
    expect(denied.status).toBe(403);
  });

  it('answers the calllogs interface itself instead of forwarding it', async () => {
    const answer = await call(gw.endpoint, calllogsPath(2), { key: gw.key, body: queryBody() });
    expect(answer.status).toBe(200);
    expect(answer.json.returnDesc).toBe('queryCalllogs success');
    expect((await call(gw.endpoint, calllogsPath(2), { method: 'GET', key: gw.key })).status).toBe(405);
  });

  it('streams a 50 MB answer through as it arrives, and records its result from the prefix', async () => {
    const bytes = 50 * 1024 * 1024;
    const holdAfter = 2 * 1024 * 1024;
    const { signRequest } = await import('../../src/auth/sign-request.js');
    const url = `${gw.endpoint}${API}/simulator/blob?bytes=${bytes}&holdAfter=${holdAfter}`;
    const response = await request(url, { headers: signRequest({ ...gw.key, method: 'GET', url }) });
    expect(response.statusCode).toBe(200);
    let received = 0;
    let released = false;
    for await (const chunk of response.body) {
      received += (chunk as Buffer).length;
      // The upstream stops after 2 MB until told to go on: reaching this point at all means the
      // gateway passed those bytes on before the upstream's answer was complete.
      if (!released && received >= holdAfter) {
        released = true;
        await request(`${sim.url}${API}/simulator/release`).then((r) => r.body.dump());
      }
    }
    expect(released).toBe(true);
    expect(received).toBe(bytes + '{"resultCode":"0200000","resultDesc":"blob","data":""}'.length);
    expect(await lastRecord(gw)).toMatchObject({ url: `${API}/simulator/blob`, resultCode: '0200000', resultDesc: 'blob', httpStatus: 200 });
  }, 60_000);

  it('exposes Prometheus metrics: requests by route and status, upstream latency, the writer', async () => {
    await call(gw.endpoint, `${API}/campaigns/2`, { method: 'GET', key: gw.key });
    await gw.writer.flush();
    const text = (await call(gw.endpoint, '/metrics', { method: 'GET' })).text;
    expect(text).toMatch(/calllogs_http_requests_total\{route="queryCampaigns",method="GET",status="200"\} \d+/);
    expect(text).toMatch(/calllogs_upstream_duration_seconds_count\{route="queryCampaigns"\} [1-9]/);
    expect(text).toMatch(/calllogs_records_written_total [1-9]/);
    expect(text).toMatch(/calllogs_writer_batch_size_count [1-9]/);
    expect(text).toMatch(/calllogs_writer_commit_seconds_count [1-9]/);
    expect(text).toMatch(/calllogs_writer_queue_depth \d+/);
    expect(text).toContain('calllogs_records_dropped_total 0');
    expect(text).not.toContain(gw.key.sk);
  });
});

describe('upstream failures', () => {
  it('answers 502 while the upstream is down, recovers when it returns, and records both', async () => {
    const port = await freePort();
    const gw = await gatewayTo(`http://127.0.0.1:${port}`);
    let sim: Simulator | undefined;
    try {
      const down = await call(gw.endpoint, `${API}/campaigns/2`, { method: 'GET', key: gw.key });
      expect(down.status).toBe(502);
      expect(down.json).toMatchObject({ resultCode: '0200502', returnCode: '0200502' });
      expect(await lastRecord(gw)).toMatchObject({ httpStatus: 502, resultCode: '0200502' });
      sim = await startSimulator(['--port', String(port)]);
      const up = await call(gw.endpoint, `${API}/campaigns/2`, { method: 'GET', key: gw.key });
      expect(up.status).toBe(200);
      const text = (await call(gw.endpoint, '/metrics', { method: 'GET' })).text;
      expect(text).toMatch(/calllogs_upstream_failures_total\{reason="unreachable"\} 1/);
    } finally {
      await gw.close();
      await sim?.stop();
    }
  });

  it('answers 504 when the upstream is too slow, records it, and keeps serving', async () => {
    const sim = await startSimulator();
    const gw = await gatewayTo(sim.url, { timeoutMs: 300 });
    try {
      const slow = await call(gw.endpoint, `${API}/simulator/slow?ms=2000`, { method: 'GET', key: gw.key });
      expect(slow.status).toBe(504);
      expect(slow.json.resultCode).toBe('0200504');
      expect(await lastRecord(gw)).toMatchObject({ httpStatus: 504, resultCode: '0200504', url: `${API}/simulator/slow` });
      expect((await call(gw.endpoint, `${API}/campaigns/2`, { method: 'GET', key: gw.key })).status).toBe(200);
    } finally {
      await gw.close();
      await sim.stop();
    }
  });
});

describe('auth modes', () => {
  it('passthrough: forwards unchecked; the upstream decides and its answer is recorded', async () => {
    const sim = await startSimulator(['--ak', 'vendorak', '--sk', 'vendor-secret-key']);
    const gw = await gatewayTo(sim.url, { authMode: 'passthrough' });
    try {
      const unsigned = await call(gw.endpoint, `${API}/campaigns/2`, { method: 'GET' });
      expect(unsigned.status).toBe(401);
      expect(unsigned.json.resultCode).toBe('0200401');
      expect(await lastRecord(gw)).toMatchObject({ httpStatus: 401, resultCode: '0200401', ak: null });
      // Signed with the vendor's key for the gateway's host: the upstream accepts it.
      const signed = await call(gw.endpoint, `${API}/campaigns/2`, { method: 'GET', key: { ak: 'vendorak', sk: 'vendor-secret-key' } });
      expect(signed.status).toBe(200);
      // Our own interface stays signed by our keys.
      expect((await call(gw.endpoint, calllogsPath(2), { body: queryBody() })).status).toBe(401);
    } finally {
      await gw.close();
      await sim.stop();
    }
  });

  it('passthrough: streams request bodies of any size (past --body-limit), recording their first bytes', async () => {
    const sim = await startSimulator();
    const gw = await gatewayTo(sim.url, { authMode: 'passthrough' });
    try {
      const big = JSON.stringify({ vdnId: 4, data: 'x'.repeat(3 * 1024 * 1024) });
      const upload = await call(gw.endpoint, `${API}/simulator/upload`, { body: big });
      expect(upload.status).toBe(200);
      expect(upload.json.received).toBe(Buffer.byteLength(big));
      const record = await lastRecord(gw);
      expect(JSON.parse(record.request)).toMatchObject({ truncated: true });
      expect(Buffer.byteLength(record.request)).toBeLessThanOrEqual(64 * 1024);
      const small = await call(gw.endpoint, `${API}/obs/business/tasks`, { body: { vdnId: 4, password: 'p' } });
      expect(small.status).toBe(200);
      expect(await lastRecord(gw)).toMatchObject({ vdnId: 4, request: '{"vdnId":4,"password":"******"}', ak: null });
    } finally {
      await gw.close();
      await sim.stop();
    }
  });

  it('resign: checks the caller, then signs for the upstream host with the gateway key', async () => {
    const sim = await startSimulator(['--ak', 'gatewayak', '--sk', 'gateway-upstream-secret']);
    const gw = await gatewayTo(sim.url, { authMode: 'resign', credentials: { ak: 'gatewayak', sk: 'gateway-upstream-secret' } });
    try {
      const answer = await call(gw.endpoint, `${API}/simulator/echo`, { key: gw.key, body: { x: 1 } });
      expect(answer.status).toBe(200);
      expect(answer.json.headers.host).toBe(new URL(sim.url).host);
      expect(answer.json.headers.authorization).toMatch(/^auth-v2\/gatewayak\//);
      expect(await lastRecord(gw)).toMatchObject({ ak: gw.key.ak, httpStatus: 200 });
      const forged = await call(gw.endpoint, `${API}/campaigns/2`, { method: 'GET', key: { ak: gw.key.ak, sk: 'wrong-secret' } });
      expect(forged.status).toBe(401);
      expect(forged.json.resultDesc).toMatch(/signature does not match/);
    } finally {
      await gw.close();
      await sim.stop();
    }
  });
});

describe('an HTTPS upstream with its own certificate', () => {
  it('is trusted through the CA option and refused (502) without it', async () => {
    const { cert, key } = selfSignedCertificate();
    const sim = await startSimulator(['--tls-cert', cert, '--tls-key', key]);
    const trusted = await gatewayTo(sim.url, { caFile: cert });
    const untrusted = await gatewayTo(sim.url);
    try {
      expect((await call(trusted.endpoint, `${API}/campaigns/2`, { method: 'GET', key: trusted.key })).status).toBe(200);
      const refused = await call(untrusted.endpoint, `${API}/campaigns/2`, { method: 'GET', key: untrusted.key });
      expect(refused.status).toBe(502);
      expect(refused.json.resultDesc).toMatch(/^upstream: unreachable/);
    } finally {
      await trusted.close();
      await untrusted.close();
      await sim.stop();
    }
  });
});
