import { createHmac } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import {
  authPrefix,
  canonicalRequest,
  computeSignature,
  formatAuthorization,
  norm,
  parseAuthorization,
  signingKey,
  type SignableRequest,
} from '../../src/auth/c2.js';
import { authenticate } from '../../src/auth/verify.js';
import { pick, seededRandom } from '../helpers/seeded.js';
import type { ApiKey } from '../../src/auth/keys.js';
import { CalllogsError } from '../../src/contract/codes.js';
import { signRequest } from '../../src/auth/sign-request.js';

// The published vectors of c2-signing.md.
const AK = 'globalaktest';
const SK = '1qaz2wsx3edc4rfv5tgb6yhn7ujm8ik9ol0p';
const TIMESTAMP = '2024-10-31T14:06:52Z';
const HOST = '10.22.26.181:28080';
const BODY = '{"say": "Hello world!"}';

const caseA: SignableRequest = { method: 'POST', path: '/rest/cmsapp/v1/ping', query: '', headers: { host: HOST }, body: BODY };
const caseB: SignableRequest = {
  ...caseA,
  headers: { host: HOST, 'content-length': '23', 'content-type': 'application/json;charset=UTF-8' },
};
const caseC: SignableRequest = {
  method: 'GET',
  path: '/rest/isales/v1/openapi/campaigns/1',
  query: 'status=0&deviceType=0&curPage=1&rowsPerPage=10&name=a b',
  headers: { host: HOST },
  body: '',
};

describe('C2 signature test vectors', () => {
  it('case A: canonical request, signing key, signature and header', () => {
    expect(canonicalRequest(caseA, ['host'])).toBe(
      'POST\n/rest/cmsapp/v1/ping\nhost\nhost:10.22.26.181%3A28080\n%7B%22say%22%3A%20%22Hello%20world%21%22%7D',
    );
    expect(signingKey(SK, authPrefix(AK, TIMESTAMP, ['host']))).toBe('c13a2c5e680eb409b84bb9c02b015016bb1b78900fd244105b8b47da277ae6f9');
    const signature = computeSignature(SK, { ak: AK, timestamp: TIMESTAMP, signedHeaders: ['host'] }, caseA);
    expect(signature).toBe('9be7eef7aacf1acf78a3f67f14f362b9f348f048d21943d45ce60b7c685a00bd');
    expect(formatAuthorization({ ak: AK, timestamp: TIMESTAMP, signedHeaders: ['host'], signature })).toBe(
      'auth-v2/globalaktest/2024-10-31T14:06:52Z/host/9be7eef7aacf1acf78a3f67f14f362b9f348f048d21943d45ce60b7c685a00bd',
    );
  });

  it('case B: three signed headers', () => {
    const signed = ['content-length', 'content-type', 'host'];
    expect(signingKey(SK, authPrefix(AK, TIMESTAMP, signed))).toBe('035a2d88f770cfedf1e32ac2a8b82e0be9a061b0cd7a5d2b7664d5224afec3a8');
    expect(computeSignature(SK, { ak: AK, timestamp: TIMESTAMP, signedHeaders: signed }, caseB)).toBe(
      '9bdd821ec6d8d9f8edddb7b849e62fce02f1b0236ee3b3b341bf01d0946280b5',
    );
  });

  it('case C: GET with a query and no body', () => {
    expect(canonicalRequest(caseC, ['host'])).toBe(
      'GET\n/rest/isales/v1/openapi/campaigns/1\ncurPage=1&deviceType=0&name=a%20b&rowsPerPage=10&status=0\nhost\nhost:10.22.26.181%3A28080\n',
    );
    expect(computeSignature(SK, { ak: AK, timestamp: TIMESTAMP, signedHeaders: ['host'] }, caseC)).toBe(
      '3bb0ce8c010a6f9cf5f114040659375c9a1681387e8cd17aa62798449a3f71c6',
    );
  });

  it('signRequest reproduces case A and case C from a URL', () => {
    const a = signRequest({ ak: AK, sk: SK, method: 'POST', url: `http://${HOST}/rest/cmsapp/v1/ping`, body: BODY,
      timestamp: new Date(TIMESTAMP), signedHeaders: [] });
    expect(a.authorization).toBe('auth-v2/globalaktest/2024-10-31T14:06:52Z/host/9be7eef7aacf1acf78a3f67f14f362b9f348f048d21943d45ce60b7c685a00bd');
    const c = signRequest({ ak: AK, sk: SK, method: 'GET', timestamp: new Date(TIMESTAMP),
      url: `http://${HOST}/rest/isales/v1/openapi/campaigns/1?status=0&deviceType=0&curPage=1&rowsPerPage=10&name=a b` });
    expect(c.authorization!.endsWith('/3bb0ce8c010a6f9cf5f114040659375c9a1681387e8cd17aa62798449a3f71c6')).toBe(true);
  });

  it('signRequest reproduces case B, adding the requested content-length from the body', () => {
    const b = signRequest({ ak: AK, sk: SK, method: 'POST', url: `http://${HOST}/rest/cmsapp/v1/ping`, body: BODY, timestamp: new Date(TIMESTAMP),
      headers: { 'Content-Type': 'application/json;charset=UTF-8' }, signedHeaders: ['content-type', 'content-length'] });
    expect(b['content-length']).toBe('23');
    expect(b.authorization).toBe('auth-v2/globalaktest/2024-10-31T14:06:52Z/content-length;content-type;host/' +
      '9bdd821ec6d8d9f8edddb7b849e62fce02f1b0236ee3b3b341bf01d0946280b5');
    const plain = signRequest({ ak: AK, sk: SK, method: 'POST', url: `http://${HOST}/x`, body: BODY, headers: { 'content-type': 'application/json' } });
    expect(plain['content-length']).toBeUndefined();
    expect(plain.authorization).toContain('/content-type;host/');
  });
});

describe('norm', () => {
  it('keeps only unreserved characters and encodes the rest in upper-case hex, as UTF-8', () => {
    expect(norm("AZaz09-._~ !'()*/:")).toBe("AZaz09-._~%20%21%27%28%29%2A%2F%3A");
    expect(norm('中')).toBe('%E4%B8%AD');
    expect(norm(Buffer.from([0xff, 0x41]))).toBe('%FFA');
  });

  it('encodes a leading byte order mark like any other bytes: it is part of what is signed', () => {
    expect(norm(Buffer.from([0xef, 0xbb, 0xbf, 0x7b, 0x7d]))).toBe('%EF%BB%BF%7B%7D');
    expect(norm(Buffer.from('{}'))).toBe('%7B%7D');
  });

  it('encodes bytes one by one, UTF-8 or not, and text as the bytes UTF-8 makes of it', () => {
    const rng = seededRandom(20261203);
    const unreserved = /[A-Za-z0-9\-._~]/;
    const byByte = (bytes: Uint8Array) =>
      [...bytes].map((b) => (unreserved.test(String.fromCharCode(b)) ? String.fromCharCode(b) : `%${b.toString(16).toUpperCase().padStart(2, '0')}`)).join('');
    const texts = ['a', 'Z', '~', ' ', '!', '*', '中', '😀', '\ud800', '\udfff', '\ufeff', '%', '\u0000', 'é'];
    for (let n = 0; n < 3000; n += 1) {
      const bytes = Uint8Array.from({ length: Math.floor(rng() * 40) }, () => (rng() < 0.5 ? 0x41 + Math.floor(rng() * 60) : Math.floor(rng() * 256)));
      expect(norm(bytes)).toBe(byByte(bytes));
      const text = Array.from({ length: Math.floor(rng() * 12) }, () => pick(rng, texts)).join('');
      expect([text, norm(text)]).toEqual([text, byByte(new TextEncoder().encode(text))]);
    }
  });
});

describe('signingKey', () => {
  it('derives each SK and prefix its own key, in whatever order they are asked for', () => {
    const rng = seededRandom(20261203);
    const sks = [SK, 'another-secret-key', SK + 'x'];
    const prefixes = ['host', 'content-type;host'].flatMap((signed) =>
      ['2024-10-31T14:06:52Z', '2024-10-31T14:06:53Z'].map((t) => authPrefix(AK, t, signed.split(';'))),
    );
    for (let i = 0; i < 400; i += 1) {
      const [sk, prefix] = [pick(rng, sks), pick(rng, prefixes)];
      expect(signingKey(sk, prefix), `${sk} ${prefix}`).toBe(createHmac('sha256', sk).update(prefix).digest('hex'));
    }
  });
});

describe('parseAuthorization', () => {
  it('accepts the documented shape and rejects everything else', () => {
    expect(parseAuthorization('auth-v2/globalaktest/2024-10-31T14:06:52Z/host/' + 'a'.repeat(64))).toMatchObject({
      ak: AK,
      signedAtMs: Date.UTC(2024, 9, 31, 14, 6, 52),
    });
    for (const bad of [
      'auth-v2/ak/2024-13-31T14:06:52Z/host/' + 'a'.repeat(64),
      'auth-v2/ak/2024-10-31T24:06:52Z/host/' + 'a'.repeat(64),
      '',
      'Bearer x',
      'auth-v2/ak/2024-10-31T14:06:52Z/host',
      'auth-v1/ak/2024-10-31T14:06:52Z/host/' + 'a'.repeat(64),
      'auth-v2//2024-10-31T14:06:52Z/host/' + 'a'.repeat(64),
      'auth-v2/ak/2024-10-31 14:06:52/host/' + 'a'.repeat(64),
      'auth-v2/ak/2024-10-31T14:06:52Z/Host/' + 'a'.repeat(64),
      'auth-v2/ak/2024-10-31T14:06:52Z/host/' + 'A'.repeat(64),
      'auth-v2/ak/2024-10-31T14:06:52Z/host/' + 'a'.repeat(63),
    ]) {
      expect(parseAuthorization(bad), bad).toBeUndefined();
    }
  });
});

describe('authenticate', () => {
  const key: ApiKey = { ak: AK, sk: SK, vdns: 'all', label: '', disabled: false, createdAt: 0 };
  const now = Date.parse(TIMESTAMP);
  const header = 'auth-v2/globalaktest/2024-10-31T14:06:52Z/host/9be7eef7aacf1acf78a3f67f14f362b9f348f048d21943d45ce60b7c685a00bd';
  const options = { nowMs: now, skewMs: 15 * 60_000, findKey: async (ak: string) => (ak === AK ? key : undefined) };

  async function reason(auth: string | undefined, req: SignableRequest, opts = options): Promise<string> {
    try {
      await authenticate(auth, req, opts);
      return 'ok';
    } catch (error) {
      expect(error).toBeInstanceOf(CalllogsError);
      expect((error as CalllogsError).status).toBe(401);
      return (error as Error).message;
    }
  }

  it('accepts the vector request', async () => {
    expect(await reason(header, caseA)).toBe('ok');
  });

  it('fails when any signed part of the request changes', async () => {
    const tampered: SignableRequest[] = [
      { ...caseA, method: 'PUT' },
      { ...caseA, path: '/rest/cmsapp/v1/pong' },
      { ...caseA, query: 'x=1' },
      { ...caseA, headers: { host: '10.22.26.181:28081' } },
      { ...caseA, body: '{"say": "Hello world?"}' },
    ];
    for (const req of tampered) expect(await reason(header, req)).toMatch(/signature does not match/);
  });

  it('fails for a missing or malformed header, an unknown or disabled key, no host, and a stale timestamp', async () => {
    expect(await reason(undefined, caseA)).toMatch(/missing/);
    expect(await reason('garbage', caseA)).toMatch(/malformed/);
    expect(await reason(header.replace('globalaktest', 'other'), caseA)).toMatch(/unknown or disabled/);
    expect(await reason(header, caseA, { ...options, findKey: async () => ({ ...key, disabled: true }) })).toMatch(/unknown or disabled/);
    expect(await reason(header.replace('/host/', '/content-type/'), caseA)).toMatch(/must include host/);
    expect(await reason(header, caseA, { ...options, nowMs: now + 15 * 60_000 + 1000 })).toMatch(/clock skew/);
    expect(await reason(header, caseA, { ...options, nowMs: now - 15 * 60_000 - 1000 })).toMatch(/clock skew/);
    expect(await reason(header, caseA, { ...options, nowMs: now + 15 * 60_000 })).toBe('ok');
  });
});
