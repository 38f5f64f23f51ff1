import { request } from 'undici';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DEFAULT_UPSTREAM } from '../../src/server/config.js';
import { createTestDatabase, postgresAvailable } from '../helpers/pg.js';
import { rawCall } from '../helpers/raw-http.js';
import { makeRecord } from '../helpers/records.js';
import { queryBody, startTestServer, type Key, type TestServer } from '../helpers/server.js';
import { pick, seededRandom, type Rng } from '../helpers/seeded.js';
import { startLenientUpstream, type Simulator } from '../helpers/simulator.js';
import { sealEverything } from '../helpers/sealing.js';

// Property (issue #11): every spelling of a call, signed correctly by a key scoped to VDN 2, is
// either refused (and never forwarded) or reaches exactly VDN 2 — in our store's answers, and at
// an upstream that reads paths and bodies as leniently as Tomcat, Spring, Jackson and Fastjson can.

const withPostgres = await postgresAvailable();
const STORES = [
  { name: 'sqlite', skip: false, db: async () => undefined },
  { name: 'postgres', skip: !withPostgres, db: createTestDatabase },
];

const T0 = Date.UTC(2022, 7, 21);
const PATH_CASES = 400;
const BODY_CASES = 250;

/** `%XX` of every UTF-8 byte of `text`, hex digits upper- or lower-case. */
function encode(text: string, upper: boolean): string {
  const hex = [...Buffer.from(text, 'utf8')].map((b) => '%' + b.toString(16).padStart(2, '0'));
  return (upper ? hex.map((h) => h.toUpperCase()) : hex).join('');
}

/** Ways to write VDN `v` in a path segment, each read as `v` (or as nothing) by some server. */
function vdnSpellings(v: number, rng: Rng): string[] {
  const upper = rng() < 0.5;
  return [
    `${v}`, `${v}`, `${v}`, `0${v}`, `00${v}`, `+${v}`, `-${v}`, encode(`${v}`, upper), `%25${encode(`${v}`, true).slice(1)}`,
    encode(String.fromCharCode(0xff10 + v), upper), encode(String.fromCharCode(0x0660 + v), upper), encode(String.fromCharCode(0x0966 + v), upper),
    encode(String.fromCodePoint(0x1d7ce + v), upper), `%20${v}`, `${v}%20`, `${v}%09`, `0x${v}`, `%23${v}`, `${v}.0`, `${v}.json`,
    `${v};jsessionid=1`, `${v}%00`, `${v}%3B`, `${v}%2F`,
  ];
}

interface Route {
  method: string;
  /** Segments after `campaigns/{vdnId}`. */
  suffix: string[];
  version: string;
  own: 'query' | 'stats' | 'record' | 'proof' | undefined;
}

const ROUTES: Route[] = [
  { method: 'POST', suffix: ['calllogs'], version: 'v1', own: 'query' },
  { method: 'POST', suffix: ['calllogs', 'stats'], version: 'v1', own: 'stats' },
  { method: 'POST', suffix: ['calllogs', 'record'], version: 'v1', own: 'record' },
  { method: 'POST', suffix: ['calllogs', 'proof'], version: 'v1', own: 'proof' },
  { method: 'PUT', suffix: ['456', 'pause'], version: 'v1', own: undefined },
  { method: 'GET', suffix: [], version: 'v1', own: undefined },
  { method: 'PUT', suffix: ['456'], version: 'v2', own: undefined },
];

/** A path to VDN `vdn` of `route`: half plainly spelled, half with one to three random transformations. */
function spellPath(rng: Rng, route: Route, vdn: number): string {
  const hostile = rng() < 0.5;
  const vdnSegment = hostile ? pick(rng, vdnSpellings(vdn, rng)) : pick(rng, [`${vdn}`, `${vdn}`, `0${vdn}`, `+${vdn}`]);
  const segments = ['rest', 'isales', route.version, 'openapi', 'campaigns', vdnSegment, ...route.suffix];
  const separators = segments.map(() => '/');
  for (let n = hostile ? 1 + Math.floor(rng() * 3) : 0; n > 0; n -= 1) {
    const at = Math.floor(rng() * segments.length);
    switch (Math.floor(rng() * 9)) {
      case 0: segments.splice(at, 0, pick(rng, ['.', '%2e', '%2E'])); separators.splice(at, 0, '/'); break;
      case 1: segments.splice(at, 0, pick(rng, ['2', '3', 'obs', 'x']), pick(rng, ['..', '%2e%2e', '.%2E', '%2E.'])); separators.splice(at, 0, '/', '/'); break;
      case 2: segments.splice(at, 0, ''); separators.splice(at, 0, '/'); break;
      case 3: segments[at] += pick(rng, [';x=1', ';', ';2']); break;
      case 4: {
        const s = segments[at]!;
        if (s.length > 0) {
          const i = Math.floor(rng() * s.length);
          segments[at] = s.slice(0, i) + encode(s[i]!, rng() < 0.5) + s.slice(i + 1);
        }
        break;
      }
      case 5: separators[at] = pick(rng, ['%2F', '%2f', '\\', '%5C', '%5c', '//']); break;
      case 6: segments.push(''); separators.push('/'); break;
      case 7: segments.unshift('console', '..'); separators.unshift('/', '/'); break;
      default: break;
    }
  }
  const path = segments.map((s, i) => separators[i] + s).join('');
  const query = rng() < 0.2 ? `?${pick(rng, ['vdnId', 'VDNID', 'vdn_id'])}=${pick(rng, ['2', '3', '02', '%33', '2%20'])}` : '';
  return path + query;
}

const VDN_KEYS = ['vdnId', 'vdnId', 'VDNID', 'vdn_id', 'Vdn-Id', 'v\\u0064nId', 'vdnid'];
const VDN_VALUES = (v: number) => [`${v}`, `${v}`, `"${v}"`, `" ${v}"`, `${v}.0`, `${v}.5`, `[${v}]`, `${v}e0`, 'null', `"0x${v}"`, `-${v}`];

/** A body naming VDN 2 or 3 in one of the ways an upstream might read one. */
function spellBody(rng: Rng): { body: Buffer; contentType: string | undefined } {
  // Half the bodies name their VDN plainly; the others in any of the ways above.
  const hostile = rng() < 0.5;
  const member = () => hostile
    ? `"${pick(rng, VDN_KEYS)}":${pick(rng, VDN_VALUES(rng() < 0.6 ? 2 : 3))}`
    : `"vdnId":${rng() < 0.7 ? 2 : 3}`;
  const members = ['"callNos":["13812341234"]'];
  for (let n = hostile ? 1 + Math.floor(rng() * 2) : 1; n > 0; n -= 1) members.push(member());
  if (rng() < 0.2) members.push(`"task":{${member()}}`);
  let text = `{${members.sort(() => rng() - 0.5).join(',')}}`;
  let contentType: string | undefined = pick(rng, ['application/json', 'application/json;charset=UTF-8', 'text/plain', undefined]);
  if (rng() < 0.15) {
    contentType = 'application/x-www-form-urlencoded';
    text = `${pick(rng, ['vdnId', 'VDN_ID'])}=${pick(rng, ['2', '3', '02'])}${rng() < 0.3 ? `&vdnId=${pick(rng, ['2', '3'])}` : ''}`;
  }
  switch (hostile ? Math.floor(rng() * 8) : 3) {
    case 0: return { body: Buffer.concat([Buffer.from([0xef, 0xbb, 0xbf]), Buffer.from(text)]), contentType };
    case 1: return { body: Buffer.concat([Buffer.from([0xff, 0xfe]), Buffer.from(text, 'utf16le')]), contentType };
    case 2: return { body: Buffer.from(text, 'utf16le'), contentType };
    default: return { body: Buffer.from(text), contentType };
  }
}

async function upstreamCalls(upstream: Simulator): Promise<number> {
  const answer = await request(`${upstream.url}/__log`);
  return ((await answer.body.json()) as { calls: unknown[] }).calls.length;
}

/** Codes a refusal may carry: the path and VDN rules, the scope, an interface nobody serves. */
const REFUSALS = new Set(['02000002', '0200001', '02000006', '02000007', '02000008', '02000009', '0200403', '0200404', '0200405']);

for (const store of STORES) describe.skipIf(store.skip)(`path and body equivalence (${store.name})`, () => {
  let upstream: Simulator;
  let server: TestServer;
  let two: Key;
  /** One stored record of each VDN, as the record interface names them. */
  const named: { id: string; operTime: string }[] = [];
  beforeAll(async () => {
    upstream = await startLenientUpstream();
    const db = await store.db();
    server = await startTestServer({ ...(db ? { db } : {}), upstream: { ...DEFAULT_UPSTREAM, url: upstream.url } });
    const key = await server.keys.create({ vdns: [2], label: 'tenant two' });
    two = { ak: key.ak, sk: key.sk };
    const stored = [
      ...Array.from({ length: 3 }, (_, i) => makeRecord({ vdnId: 2, url: '/rest/isales/v1/openapi/campaigns/2/456/pause', operTime: T0 + i })),
      ...Array.from({ length: 5 }, (_, i) => makeRecord({ vdnId: 3, url: '/rest/isales/v1/openapi/campaigns/3/456/pause', operTime: T0 + i })),
    ];
    await server.store.insertBatch(stored);
    await sealEverything(server.store, () => server.sealer!.run(true)); // both logs get a signed checkpoint
    for (const r of [stored[0]!, stored[3]!]) named.push({ id: r.id, operTime: new Date(r.operTime).toISOString().replace('Z', '+00:00') });
  });
  afterAll(async () => {
    await server.close();
    await upstream.stop();
  });

  async function recordCount(): Promise<number> {
    await server.writer.flush();
    let n = 0;
    for await (const r of server.store.scan({})) if (r.operTime > T0 + 60_000) n += 1;
    return n;
  }

  /**
   * Sends one call and checks the property; returns whether it was accepted. `recordVdn`: for the
   * record interface, the VDN of the record asked for when it is VDN 2's, null when it is not.
   */
  async function check(label: string, call: Parameters<typeof rawCall>[1], recordVdn?: number | null): Promise<boolean> {
    const before = await upstreamCalls(upstream);
    const answer = await rawCall(server.endpoint, { ...call, key: two });
    const forwarded = (await upstreamCalls(upstream)) - before;
    expect(answer.status, label).toBeLessThan(500);
    expect(answer.json?.returnCode ?? answer.json?.resultCode, `${label}: a contract body`).toMatch(/^0200/);
    if (answer.status >= 400) {
      expect(REFUSALS.has(answer.json.resultCode), `${label}: ${answer.text}`).toBe(true);
      expect(forwarded, `${label}: refused, yet forwarded`).toBe(0);
      return false;
    }
    if (answer.json.vdns !== undefined) {
      // Answered by the upstream: every reading it could make is VDN 2.
      expect(forwarded, label).toBe(1);
      expect(answer.json.vdns, `${label} reached ${answer.json.paths}`).toEqual([2]);
    } else if (answer.json.checkpoint !== undefined) {
      // The proof of VDN 2's log, never VDN 3's.
      expect(answer.json.vdnId, label).toBe(2);
      expect(answer.json.checkpoint, label).toMatch(/\/vdn\/2\n/);
    } else if (recordVdn !== undefined) {
      // VDN 2's record when asked for it; VDN 3's never, whatever the path said.
      expect(answer.json.result?.vdnId ?? null, label).toBe(recordVdn);
    } else if (answer.json.count !== undefined) {
      expect(answer.json.count, label).toBe(3);
      for (const r of answer.json.result) expect(r.url, label).toContain('/campaigns/2/');
    } else {
      expect(answer.json.result.total.calls, label).toBe(3);
    }
    return true;
  }

  it(`${PATH_CASES} spellings of calllogs, stats, record, proof and gateway paths reach VDN 2 or nothing`, async () => {
    const rng = seededRandom(20261130);
    const recordsBefore = await recordCount();
    let accepted = 0;
    for (let i = 0; i < PATH_CASES; i += 1) {
      const route = pick(rng, ROUTES);
      const target = spellPath(rng, route, rng() < 0.5 ? 2 : 3);
      const asked = route.own === 'record' ? pick(rng, [0, 1]) : undefined;
      const body = asked !== undefined ? JSON.stringify(named[asked])
        : route.own === 'proof' ? JSON.stringify({ fromLeaf: 0, toLeaf: 0 })
        : route.own ? JSON.stringify(queryBody({ beginTime: '2022-08-21 00:00:00', endTime: '2022-08-21 01:00:00' })) : '{}';
      const call = route.method === 'GET' ? { method: 'GET', target } : { method: route.method, target, headers: { 'content-type': 'application/json' }, body };
      if (await check(`#${i} ${route.method} ${target}`, call, asked === undefined ? undefined : [2, null][asked])) accepted += 1;
    }
    // Both outcomes are exercised, and every call was recorded.
    expect(accepted).toBeGreaterThan(PATH_CASES / 10);
    expect(accepted).toBeLessThan(PATH_CASES * 0.9);
    expect(await recordCount()).toBe(recordsBefore + PATH_CASES);
  });

  it(`${BODY_CASES} spellings of a body VDN reach VDN 2 or nothing`, async () => {
    const rng = seededRandom(11);
    let accepted = 0;
    for (let i = 0; i < BODY_CASES; i += 1) {
      const { body, contentType } = spellBody(rng);
      const label = `#${i} ${contentType} ${JSON.stringify(body.toString('latin1'))}`;
      if (await check(label, { target: '/rest/isales/v1/openapi/obs/business/tasks', headers: contentType ? { 'content-type': contentType } : {}, body })) accepted += 1;
    }
    expect(accepted).toBeGreaterThan(BODY_CASES / 10);
    expect(accepted).toBeLessThan(BODY_CASES * 0.9);
  });
});
