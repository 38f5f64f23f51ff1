import { describe, expect, it } from 'vitest';
import { fieldKey, forwardedCallVdn, ownCallVdn, type ForwardedCall } from '../../src/contract/call-vdn.js';
import { readRequestTarget, reroutingHeaderRefusal } from '../../src/contract/request-target.js';
import { pick, seededRandom } from '../helpers/seeded.js';

const codeOf = (thrower: () => unknown): string => {
  try {
    thrower();
    return 'none';
  } catch (error) {
    return (error as { code: string }).code;
  }
};

describe('readRequestTarget', () => {
  it('splits path and query and keeps both as received', () => {
    expect(readRequestTarget('/rest/isales/v1/openapi/campaigns/2/calllogs?a=%20b&c')).toEqual({
      path: '/rest/isales/v1/openapi/campaigns/2/calllogs', query: 'a=%20b&c', recorded: true, refusal: undefined,
    });
    expect(readRequestTarget('/console/')).toMatchObject({ recorded: false, refusal: undefined });
    expect(readRequestTarget('/metrics')).toMatchObject({ recorded: false, refusal: undefined });
  });

  it('refuses every path with more than one reading, naming the rule', () => {
    const cases: [string, string, RegExp][] = [
      ['/rest/isales/v1/openapi/campaigns/%33/calllogs', '02000002', /percent-encoded/],
      ['/rest/isales/v1/openapi/campaigns/3;x/calllogs', '02000002', /path parameters/],
      ['/rest/isales/v1\\openapi', '02000002', /"\\"/],
      ['/rest/isales/v1/openapi/a"b', '02000002', /"""/],
      ['/rest/isales/v1/openapi/\u4e2d', '02000002', /non-ASCII/],
      ['/rest/isales/v1/openapi/../x', '0200001', /dot segments/],
      ['/rest/isales/v1/openapi/./x', '0200001', /dot segments/],
      ['/rest/isales//v1/openapi/x', '0200001', /empty path segments/],
      ['/rest/isales/v1/openapi/x/', '0200001', /empty path segments/],
      ['http://host/rest/isales/v1/openapi/x', '0200001', /must be a path/],
      ['*', '0200001', /must be a path/],
    ];
    for (const [target, code, rule] of cases) {
      const { refusal } = readRequestTarget(target);
      expect([target, refusal?.code]).toEqual([target, code]);
      expect(refusal!.message).toMatch(rule);
    }
    // A trailing slash is a console page's, not an interface's.
    expect(readRequestTarget('/console/assets/').refusal).toBeUndefined();
    expect(readRequestTarget('/console//x').refusal?.code).toBe('0200001');
  });

  it('records a refused call when any lenient reading puts it under /rest/isales/', () => {
    for (const target of ['/rest/%69sales/x', '/console/../rest/isales/x', '/rest//isales/x', '/rest;a/isales/x', '/%%372est/isales/x',
      'http://h/rest/isales/x', '/rest\\isales\\x', '/rest/isales/v1/x/', '/rest/isale%73/x']) {
      expect([target, readRequestTarget(target).recorded]).toEqual([target, true]);
    }
    for (const target of ['/%zz', '/console/%2e%2e/metrics', '/rest/isale%3F/x']) {
      expect([target, readRequestTarget(target).recorded]).toEqual([target, false]);
    }
  });

  it('refuses headers that re-route a call', () => {
    expect(reroutingHeaderRefusal({ 'x-http-method-override': 'DELETE' })?.message).toMatch(/^x-http-method-override: /);
    expect(reroutingHeaderRefusal({ 'x-original-url': '/x' })?.code).toBe('0200001');
    expect(reroutingHeaderRefusal({ 'content-type': 'application/json' })).toBeUndefined();
  });
});

describe('the VDN of a call', () => {
  const call = (patch: Partial<ForwardedCall>): ForwardedCall => ({
    path: '/rest/isales/v1/openapi/obs/business/tasks', query: '', contentType: 'application/json', body: undefined, ...patch,
  });
  const json = (text: string): Partial<ForwardedCall> => ({ body: Buffer.from(text) });

  it('our own interfaces read the path as the contract does (sign and leading zeros allowed)', () => {
    expect(ownCallVdn('/rest/isales/v1/openapi/campaigns/0002/calllogs')).toBe(2);
    expect(ownCallVdn('/rest/isales/v1/openapi/calllogs')).toBeNull();
    expect(codeOf(() => ownCallVdn('/rest/isales/v1/openapi/campaigns/abc/calllogs'))).toBe('02000006');
    expect(codeOf(() => ownCallVdn('/rest/isales/v1/openapi/campaigns/0/calllogs'))).toBe('02000007');
  });

  it('a forwarded call takes it from the path, the query and the body, which must agree', () => {
    expect(forwardedCallVdn(call({ path: '/rest/isales/v2/openapi/campaigns/7/1' }))).toBe(7);
    expect(forwardedCallVdn(call(json('{"vdnId":3,"callNos":[]}')))).toBe(3);
    expect(forwardedCallVdn(call({ ...json('{"vdnId":3}'), contentType: 'application/json; charset="utf-8"' }))).toBe(3);
    expect(forwardedCallVdn(call({ ...json('{"a":{"VDN_ID":4}}'), query: 'vdnid=4' }))).toBe(4);
    expect(forwardedCallVdn(call({ contentType: 'application/x-www-form-urlencoded', body: Buffer.from('vdn-id=5') }))).toBe(5);
    expect(forwardedCallVdn(call(json('{"callNos":["vdnId"],"x":"\\"vdnId\\":3"}')))).toBeNull();
    expect(forwardedCallVdn(call({ contentType: 'application/octet-stream', body: Buffer.from('vdnId=3') }))).toBeNull();
    expect(codeOf(() => forwardedCallVdn(call({ path: '/rest/isales/v1/openapi/campaigns/2/x', query: 'vdnId=3' })))).toBe('02000009');
  });

  it('refuses every VDN an upstream could read differently', () => {
    const cases: [Partial<ForwardedCall>, string][] = [
      [{ path: '/rest/isales/v1/openapi/campaigns/02/x' }, '02000006'],
      [{ path: '/rest/isales/v1/openapi/campaigns/+2/x' }, '02000006'],
      [{ path: '/rest/isales/v1/openapi/campaigns/-2/x' }, '02000007'],
      [{ path: '/rest/isales/v1/openapi/campaigns/10000/x' }, '02000007'],
      [{ path: '/rest/isales/v1/openapi/campaigns/x/y' }, '02000006'],
      [{ query: 'vdnId=2&VDNID=2' }, '02000009'],
      [json('{"vdnId":"2"}'), '02000006'],
      [json('{"vdnId":2.0}'), '02000006'],
      [json('{"vdnId":[2]}'), '02000006'],
      [json('{"vdnId":2,"vdnId":2}'), '02000009'],
      [json('{"vdnId":2,"x":[{"vdnId":3}]}'), '02000009'],
      [json('{"vdnId":2'), '02000008'],
      [{ contentType: 'text/plain', body: Buffer.from('\ufeff{"vdnId":2}') }, '02000008'],
      [{ contentType: undefined, body: Buffer.from('{"vdnId":2}', 'utf16le') }, '02000008'],
      [{ contentType: 'application/json', body: Buffer.from([0x7b, 0xff, 0x7d]) }, '02000008'],
      [{ contentType: 'application/json; charset=UTF-16', body: Buffer.from('{"vdnId":2}') }, '02000008'],
      [{ contentType: 'application/json;charset="IBM037"', body: Buffer.from('{"vdnId":2}') }, '02000008'],
    ];
    for (const [patch, code] of cases) expect([patch, codeOf(() => forwardedCallVdn(call(patch)))]).toEqual([patch, code]);
  });

  it('finds a body key at any depth exactly when it reads as vdnId, however it is spelled', () => {
    const rng = seededRandom(20261203);
    // Each letter of vdnId in either case, as an escape, or a look-alike; separators and noise between.
    const spellings = [['v', 'V', '\\u0076', '\\u0056', 'w'], ['d', 'D', '\\u0064'], ['n', 'N', 'ñ'], ['i', 'I', 'İ', 'ı', '\\u0049'], ['d', 'D', 'K']];
    const between = ['', '', '', '_', '-', '__', '.', ' '];
    let matches = 0;
    for (let n = 0; n < 4000; n += 1) {
      const literal = pick(rng, between) + spellings.map((letter) => pick(rng, rng() < 0.85 ? [letter[0]!, letter[1]!] : letter) + pick(rng, between)).join('');
      const key = JSON.parse(`"${literal}"`) as string;
      const reads = fieldKey(key) === fieldKey('vdnId');
      matches += reads ? 1 : 0;
      const text = rng() < 0.5 ? `{"${literal}":7,"callNos":["1"]}` : `{"tasks":[{"name":"x"},{"${literal}":7}]}`;
      expect([literal, forwardedCallVdn(call(json(text)))]).toEqual([literal, reads ? 7 : null]);
    }
    expect(matches).toBeGreaterThan(500);
  });
});
