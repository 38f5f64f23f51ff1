import { connect } from 'node:net';
import { Readable } from 'node:stream';
import { request } from 'undici';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { CallRecord } from '../../src/contract/record.js';
import { DEFAULT_UPSTREAM, type AuthMode } from '../../src/server/config.js';
import { createTestDatabase, postgresAvailable } from '../helpers/pg.js';
import { exchange, rawCall, signRaw } from '../helpers/raw-http.js';
import { makeRecord } from '../helpers/records.js';
import { queryBody, startTestServer, type Key, type TestServer } from '../helpers/server.js';
import { startLenientUpstream, type Simulator } from '../helpers/simulator.js';

// Black-box tests of issue #11's classes: each spelling either is refused (and recorded, and never
// forwarded) or reaches exactly the VDN the scope check approved.

const withPostgres = await postgresAvailable();
const STORES = [
  { name: 'sqlite', skip: false, db: async () => undefined },
  { name: 'postgres', skip: !withPostgres, db: createTestDatabase },
];

const API = '/rest/isales/v1/openapi';
const JSON_TYPE = { 'content-type': 'application/json' };
const T0 = Date.UTC(2022, 7, 21);

interface Gateway {
  server: TestServer;
  /** A key scoped to VDN 2. */
  two: Key;
}

async function startGateway(upstream: Simulator, authMode: AuthMode, db: string | undefined): Promise<Gateway> {
  const server = await startTestServer({
    ...(db ? { db } : {}),
    upstream: { ...DEFAULT_UPSTREAM, url: upstream.url, authMode, credentials: authMode === 'resign' ? { ak: 'gw', sk: 'gateway-secret' } : undefined },
  });
  const created = await server.keys.create({ vdns: [2], label: 'tenant two' });
  // Records of both VDNs in the past, to see which VDN a query answers from.
  await server.store.insertBatch([
    ...Array.from({ length: 3 }, (_, i) => makeRecord({ vdnId: 2, url: `${API}/campaigns/2/456/pause`, operTime: T0 + i })),
    ...Array.from({ length: 5 }, (_, i) => makeRecord({ vdnId: 3, url: `${API}/campaigns/3/456/pause`, operTime: T0 + i })),
  ]);
  return { server, two: { ak: created.ak, sk: created.sk } };
}

async function upstreamCalls(upstream: Simulator): Promise<number> {
  const answer = await request(`${upstream.url}/__log`);
  return ((await answer.body.json()) as { calls: unknown[] }).calls.length;
}

async function records(server: TestServer): Promise<CallRecord[]> {
  await server.writer.flush();
  const all: CallRecord[] = [];
  for await (const r of server.store.scan({})) if (r.operTime > T0 + 60_000) all.push(r);
  return all.sort((a, b) => (a.id < b.id ? -1 : 1));
}

/** The contract's error body: four fields, code and description each twice. */
function expectContractError(answer: { status: number; json: any }, status: number, code: string): void { // eslint-disable-line @typescript-eslint/no-explicit-any
  expect(answer.status, JSON.stringify(answer.json)).toBe(status);
  expect(answer.json).toEqual({ returnCode: code, resultCode: code, returnDesc: expect.any(String), resultDesc: answer.json?.returnDesc });
}

const REFUSED_PATHS: [string, string][] = [
  // Percent-encodings: of a digit, of a dot segment, of a slash and a backslash, of a literal.
  [`${API}/campaigns/%33/456/pause`, '02000002'],
  [`${API}/campaigns/2/%2e%2e/3/456/pause`, '02000002'],
  [`${API}/campaigns/2/%2E%2E/3/456/pause`, '02000002'],
  [`${API}/campaigns%2F3/456/pause`, '02000002'],
  [`${API}/campaigns%5C3/456/pause`, '02000002'],
  ['/rest/%69sales/v1/openapi/campaigns/3/456/pause', '02000002'],
  [`${API}/campaigns/%EF%BC%93/456/pause`, '02000002'],
  // Malformed or cut encodings, a raw backslash, ';' parameters.
  [`${API}/campaigns/%zz/456/pause`, '02000002'],
  [`${API}/campaigns/%/456/pause`, '02000002'],
  [`${API}/campaigns/%E4%B8/456/pause`, '02000002'],
  [`${API}\\campaigns\\3\\456\\pause`, '02000002'],
  [`${API}/campaigns/3;v=2/456/pause`, '02000002'],
  [`${API};x/campaigns/3/456/pause`, '02000002'],
  // Dot and empty segments, a prefix walked back, a trailing slash, an absolute target.
  [`${API}/campaigns/2/../3/456/pause`, '0200001'],
  [`${API}/./campaigns/3/456/pause`, '0200001'],
  [`${API}/obs/../campaigns/3/456/pause`, '0200001'],
  ['/console/../rest/isales/v1/openapi/campaigns/3/456/pause', '0200001'],
  ['/rest/isales/v1/openapi//campaigns/3/456/pause', '0200001'],
  [`${API}/campaigns/2/456/pause/`, '0200001'],
  ['http://127.0.0.1/rest/isales/v1/openapi/campaigns/3/456/pause', '0200001'],
];

/** Paths whose VDN an upstream could read as another number: refused where a scope is checked (verify, resign). */
const AMBIGUOUS_VDN_PATHS: [string, string][] = [
  [`${API}/campaigns/03/456/pause`, '02000006'],
  [`${API}/campaigns/+3/456/pause`, '02000006'],
  [`${API}/campaigns/0x3/456/pause`, '02000006'],
  [`${API}/campaigns/3.0/456/pause`, '02000006'],
  [`${API}/campaigns/10000/456/pause`, '02000007'],
  // A VDN in the query besides the path's.
  [`${API}/campaigns/2/456/pause?vdnId=3`, '02000009'],
  [`${API}/campaigns/2/456/pause?VDN_ID=02`, '02000006'],
];

/** Bodies of a call that names its VDN in the body only (obs/business), each refused 400. */
const REFUSED_BODIES: [string, string | Buffer, Record<string, string>, string][] = [
  ['a numeric string with a space', '{"vdnId":"3 "}', JSON_TYPE, '02000006'],
  ['a numeric string', '{"vdnId":"2"}', JSON_TYPE, '02000006'],
  ['a fraction', '{"vdnId":3.5}', JSON_TYPE, '02000006'],
  ['an integer written as a fraction', '{"vdnId":2.0}', JSON_TYPE, '02000006'],
  ['an exponent', '{"vdnId":3e0}', JSON_TYPE, '02000006'],
  ['an array', '{"vdnId":[3]}', JSON_TYPE, '02000006'],
  ['null', '{"vdnId":null}', JSON_TYPE, '02000006'],
  ['out of range', '{"vdnId":10003}', JSON_TYPE, '02000007'],
  ['a UTF-8 byte order mark', Buffer.concat([Buffer.from([0xef, 0xbb, 0xbf]), Buffer.from('{"vdnId":2}')]), JSON_TYPE, '02000008'],
  ['UTF-16 with a byte order mark', Buffer.concat([Buffer.from([0xff, 0xfe]), Buffer.from('{"vdnId":3}', 'utf16le')]), JSON_TYPE, '02000008'],
  ['UTF-16 without one, as text/plain', Buffer.from('{"vdnId":3}', 'utf16le'), { 'content-type': 'text/plain' }, '02000008'],
  ['not JSON but JSON-like', "{vdnId:3,'a':1}", { 'content-type': 'text/plain' }, '02000008'],
  ['two vdnId keys', '{"vdnId":2,"vdnId":3}', JSON_TYPE, '02000009'],
  ['two spellings of the key', '{"vdnId":2,"VDN_ID":3}', JSON_TYPE, '02000009'],
  ['two VDNs at different depths', '{"vdnId":2,"task":{"vdnId":3}}', JSON_TYPE, '02000009'],
  ['a form field besides the query', 'vdnId=2&vdnId=3', { 'content-type': 'application/x-www-form-urlencoded' }, '02000009'],
];

for (const store of STORES) describe.skipIf(store.skip)(`tenant isolation (${store.name})`, () => {
  let upstream: Simulator;
  const gateways = {} as Record<AuthMode, Gateway>;
  beforeAll(async () => {
    upstream = await startLenientUpstream();
    for (const mode of ['verify', 'resign', 'passthrough'] as const) gateways[mode] = await startGateway(upstream, mode, await store.db());
  });
  afterAll(async () => {
    for (const g of Object.values(gateways)) await g.server.close();
    await upstream.stop();
  });

  describe('class 1: the calllogs and stats interfaces answer only the VDN the scope check approved', () => {
    for (const [name, suffix] of [['query', 'calllogs'], ['stats', 'calllogs/stats']]) {
      it(`${name}: encoded, dotted and walked-back spellings of VDN 3 are refused, VDN 2's own spellings answer VDN 2`, async () => {
        const { server, two } = gateways.verify;
        const body = JSON.stringify(queryBody());
        const endpoint = server.endpoint;
        for (const target of [`${API}/campaigns/%33/${suffix}`, `${API}/campaigns/2/../3/${suffix}`, `${API}/campaigns/2/%2e%2e/3/${suffix}`,
          `${API}//campaigns/3/${suffix}`, `${API}/campaigns/3;x/${suffix}`, `${API}/campaigns/%2B3/${suffix}`]) {
          const answer = await rawCall(endpoint, { target, key: two, headers: JSON_TYPE, body });
          expect(answer.status, target).toBe(400);
          expect(answer.text).not.toContain('/campaigns/3/456');
        }
        expectContractError(await rawCall(endpoint, { target: `${API}/campaigns/3/${suffix}`, key: two, headers: JSON_TYPE, body }), 403, '0200403');
        for (const target of [`${API}/campaigns/2/${suffix}`, `${API}/campaigns/0002/${suffix}`]) {
          const answer = await rawCall(endpoint, { target, key: two, headers: JSON_TYPE, body });
          expect(answer.status, target).toBe(200);
          if (name === 'query') {
            expect(answer.json.count).toBe(3);
            for (const r of answer.json.result) expect(r.url).toBe(`${API}/campaigns/2/456/pause`);
          } else {
            expect(answer.json.result.total.calls).toBe(3);
            expect(answer.json.result.topByCalls.map((u: { url: string }) => u.url)).toEqual([`${API}/campaigns/2/456/pause`]);
          }
        }
      });
    }
  });

  for (const mode of ['verify', 'resign', 'passthrough'] as const) {
    describe(`class 2 and 6: paths with more than one reading (${mode})`, () => {
      const refused = mode === 'passthrough' ? REFUSED_PATHS : [...REFUSED_PATHS, ...AMBIGUOUS_VDN_PATHS];
      it('are refused 400 with a Table-6 code, recorded, and never forwarded', async () => {
        const { server, two } = gateways[mode];
        const before = await upstreamCalls(upstream);
        const seen = (await records(server)).length;
        for (const [target, code] of refused) {
          expectContractError(await rawCall(server.endpoint, { method: 'PUT', target, key: two, headers: JSON_TYPE, body: '{}' }), 400, code);
        }
        expect(await upstreamCalls(upstream)).toBe(before);
        const kept = (await records(server)).slice(seen);
        expect(kept.map((r) => [r.url, r.resultCode])).toEqual(refused.map(([target, code]) => [target.split('?')[0], code]));
        // A refused call is kept under no VDN: no tenant sees it, operators do.
        expect(new Set(kept.map((r) => r.vdnId))).toEqual(new Set([null]));
      });

      if (mode === 'passthrough') {
        it('passthrough checks no scope: a VDN it cannot read is forwarded and its record kept under no VDN', async () => {
          const { server } = gateways[mode];
          const seen = (await records(server)).length;
          for (const [target] of AMBIGUOUS_VDN_PATHS) {
            expect((await rawCall(server.endpoint, { method: 'PUT', target, headers: JSON_TYPE, body: '{}' })).status).toBe(200);
          }
          expect(new Set((await records(server)).slice(seen).map((r) => r.vdnId))).toEqual(new Set([null]));
        });
      }

      it('a plain path is forwarded exactly as the scope check read it', async () => {
        const { server, two } = gateways[mode];
        const answer = await rawCall(server.endpoint, { method: 'PUT', target: `${API}/campaigns/2/456/pause?x=%41`, key: two, headers: JSON_TYPE, body: '{}' });
        expect(answer.status).toBe(200);
        expect(answer.json).toMatchObject({ target: `${API}/campaigns/2/456/pause?x=%41`, vdns: [2] });
      });
    });
  }

  describe('class 3: body VDNs that are not plain JSON integers', () => {
    for (const mode of ['verify', 'resign'] as const) {
      it(`are refused 400 and not forwarded (${mode})`, async () => {
        const { server, two } = gateways[mode];
        const before = await upstreamCalls(upstream);
        for (const [what, body, headers, code] of REFUSED_BODIES) {
          const answer = await rawCall(server.endpoint, { target: `${API}/obs/business/tasks`, key: two, headers, body });
          expect(answer.status, what).toBe(400);
          expectContractError(answer, 400, code);
        }
        expect(await upstreamCalls(upstream)).toBe(before);
      });

      it(`reach the upstream only when every reading names the key's VDN (${mode})`, async () => {
        const { server, two } = gateways[mode];
        for (const body of ['{"vdnId":2,"callNos":["13812341234"]}', '{"task":{"Vdn-Id":2},"vdnId":2}', '{"v\\u0064nId":2}']) {
          const answer = await rawCall(server.endpoint, { target: `${API}/obs/business/tasks`, key: two, headers: JSON_TYPE, body });
          expect(answer.status, body).toBe(200);
          expect(answer.json.vdns, body).toEqual([2]);
        }
        const form = await rawCall(server.endpoint, { target: `${API}/obs/business/tasks`, key: two, headers: { 'content-type': 'application/x-www-form-urlencoded' }, body: 'vdnId=2&x=1' });
        expect(form.json.vdns).toEqual([2]);
        for (const body of ['{"vdnId":3}', '{"VDNID":3}', '{"v\\u0064nId":3}', '{"a":[{"vdnId":3}]}']) {
          expectContractError(await rawCall(server.endpoint, { target: `${API}/obs/business/tasks`, key: two, headers: JSON_TYPE, body }), 403, '0200403');
        }
        // A call that names no VDN: a scoped key cannot make it; an all-VDN key can.
        expectContractError(await rawCall(server.endpoint, { target: `${API}/obs/business/tasks`, key: two, headers: JSON_TYPE, body: '{"callNos":[]}' }), 403, '0200403');
        const all = await rawCall(server.endpoint, { target: `${API}/obs/business/tasks`, key: server.key, headers: JSON_TYPE, body: '{"callNos":[]}' });
        expect(all.status).toBe(200);
        expect(all.json.vdns).toEqual([]);
      });
    }

    it('passthrough forwards what it cannot read, and keeps its record under no VDN', async () => {
      const { server } = gateways.passthrough;
      const seen = (await records(server)).length;
      const answer = await rawCall(server.endpoint, { target: `${API}/obs/business/tasks`, headers: JSON_TYPE, body: '{"vdnId":"3 "}' });
      expect(answer.status).toBe(200);
      await rawCall(server.endpoint, { target: `${API}/obs/business/tasks`, headers: JSON_TYPE, body: '{"vdnId":3}' });
      expect((await records(server)).slice(seen).map((r) => r.vdnId)).toEqual([null, 3]);
    });
  });

  describe('class 4: the signature covers a byte order mark like any other bytes', () => {
    it('a BOM prepended to a signed body fails; a body that starts with one and is signed over it passes', async () => {
      const { server } = gateways.verify;
      const endpoint = server.endpoint;
      const text = JSON.stringify(queryBody({ beginTime: '2022-08-21 00:00:00', endTime: '2022-08-21 01:00:00' }));
      const withBom = Buffer.concat([Buffer.from([0xef, 0xbb, 0xbf]), Buffer.from(text)]);
      const target = `${API}/campaigns/2/calllogs`;
      const signedWithout = signRaw(endpoint, server.key, { target, headers: JSON_TYPE, body: text });
      const tampered = await exchange(endpoint, Buffer.concat([Buffer.from(`POST ${target} HTTP/1.1\r\n${Object.entries(signedWithout).map(([n, v]) => `${n}: ${v}\r\n`).join('')}content-length: ${withBom.length}\r\nconnection: close\r\n\r\n`), withBom]));
      expectContractError(tampered, 401, '0200401');
      // Our own interface reads a BOM body (nothing else reads it); a forwarded one refuses it.
      const signed = await rawCall(endpoint, { target, key: server.key, headers: JSON_TYPE, body: withBom });
      expect(signed.status).toBe(200);
      expect(signed.json.count).toBe(3);
    });
  });

  describe('class 6: framework and parser errors are contract answers and recorded', () => {
    it('431 for oversized headers, 400 for a message the parser refuses, each recorded when its request line was read', async () => {
      const { server } = gateways.verify;
      const seen = (await records(server)).length;
      const big = await exchange(server.endpoint, Buffer.from(`GET ${API}/campaigns/2/x HTTP/1.1\r\nhost: a\r\nx-big: ${'a'.repeat(20_000)}\r\n\r\n`));
      expectContractError(big, 431, '0200431');
      const malformed = await exchange(server.endpoint, Buffer.from(`GET ${API}/campaigns/2/y HTTP/1.1\r\nhost: a\r\nno colon here\r\n\r\n`));
      expectContractError(malformed, 400, '0200001');
      const kept = (await records(server)).slice(seen);
      expect(kept.map((r) => [r.url, r.httpStatus, r.resultCode, r.type])).toEqual([
        [`${API}/campaigns/2/x`, 431, '0200431', 'GET'],
        [`${API}/campaigns/2/y`, 400, '0200001', 'GET'],
      ]);
      // The server still answers.
      expect((await rawCall(server.endpoint, { method: 'GET', target: `${API}/campaigns/2`, key: server.key })).status).toBe(200);
    });
  });

  describe('class 7: a 413 the client can read while it is still sending', () => {
    it('undici, with a declared length and with a chunked stream, gets the 413 rather than a reset', async () => {
      const { server } = gateways.verify;
      const url = `${server.endpoint}${API}/campaigns/2/calllogs`;
      for (let i = 0; i < 3; i++) {
        const answer = await request(url, { method: 'POST', headers: JSON_TYPE, body: Buffer.alloc(3 * 1024 * 1024, 0x20) });
        expect(answer.statusCode).toBe(413);
        expect(((await answer.body.json()) as { resultCode: string }).resultCode).toBe('0200413');
      }
      const chunked = await request(url, {
        method: 'POST', headers: JSON_TYPE,
        body: Readable.from((function* () { for (let i = 0; i < 40; i++) yield Buffer.alloc(64 * 1024, 0x20); })()),
      });
      expect(chunked.statusCode).toBe(413);
      await chunked.body.text();
    });

    it('a client that is still sending when the 413 is decided reads it instead of a reset', async () => {
      const { server } = gateways.verify;
      const { hostname, port } = new URL(server.endpoint);
      const size = 4 * 1024 * 1024;
      const socket = connect(Number(port), hostname);
      let answer = '';
      socket.on('data', (d: Buffer) => (answer += d.toString('latin1')));
      const failures: string[] = [];
      socket.on('error', (e) => failures.push(e.message));
      const closed = new Promise((resolve) => socket.once('close', resolve));
      const write = (bytes: Buffer | string): Promise<void> =>
        new Promise((resolve) => socket.write(bytes, (e) => resolve(void (e && failures.push(e.message)))));
      await write(`POST ${API}/campaigns/2/calllogs HTTP/1.1\r\nhost: x\r\ncontent-type: application/json\r\ncontent-length: ${size}\r\n\r\n`);
      await write(Buffer.alloc(size / 4, 0x20));
      // The server has decided (the declared length is over the limit) while the rest is still to come.
      await new Promise((resolve) => setTimeout(resolve, 300));
      await write(Buffer.alloc(size - size / 4, 0x20));
      await closed;
      expect(failures).toEqual([]);
      expect(answer).toMatch(/^HTTP\/1\.1 413 /);
      expect(answer).toContain('"resultCode":"0200413"');
    });
  });

  describe('class 8: Connection cannot take the verified credentials off a forwarded call', () => {
    for (const mode of ['verify', 'passthrough'] as const) {
      it(`Authorization, Host, Content-Type and Content-Length reach the upstream (${mode})`, async () => {
        const { server } = gateways[mode];
        const answer = await rawCall(server.endpoint, {
          method: 'PUT', target: `${API}/campaigns/2/456/pause`, key: server.key, body: '{"a":1}',
          headers: { ...JSON_TYPE, connection: 'authorization, host, content-type, content-length, x-hop', 'x-hop': 'dropped' },
        });
        expect(answer.status).toBe(200);
        const received = answer.json.headers as Record<string, string>;
        expect(received.authorization).toMatch(/^auth-v2\//);
        expect(received.host).toBe(new URL(server.endpoint).host);
        expect(received['content-type']).toBe('application/json');
        expect(received['content-length']).toBe('7');
        expect(received['x-hop']).toBeUndefined();
      });
    }
  });

  describe('headers that re-route a call', () => {
    it('X-HTTP-Method-Override, X-Original-URL and their kin are refused and never forwarded', async () => {
      const { server, two } = gateways.verify;
      const before = await upstreamCalls(upstream);
      for (const header of ['x-http-method-override', 'x-http-method', 'x-method-override', 'x-original-url', 'x-rewrite-url']) {
        const answer = await rawCall(server.endpoint, { method: 'POST', target: `${API}/campaigns/2/456/pause`, key: two, headers: { ...JSON_TYPE, [header]: 'DELETE' }, body: '{}' });
        expectContractError(answer, 400, '0200001');
        expect(answer.json.resultDesc).toContain(header);
      }
      expect(await upstreamCalls(upstream)).toBe(before);
    });
  });
});
