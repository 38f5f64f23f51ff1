import { describe, expect, it } from 'vitest';
import { CalllogsError } from '../../src/contract/codes.js';
import { parseJsonBody, isJsonContentType } from '../../src/contract/body.js';
import { MAX_WINDOW_SECONDS, parseVdnId, proofWindows, queryWindow, validateQueryBody } from '../../src/contract/query.js';
import { epochMsToWallTime, formatOperTime, parseInstant, wallSecondsBetween } from '../../src/contract/time.js';
import { Temporal } from 'temporal-polyfill';
import { seededRandom } from '../helpers/seeded.js';

const valid = { offset: 0, limit: 10, beginTime: '2022-08-20 15:55:55', endTime: '2022-08-23 15:55:55', url: '' };

function codeOf(fn: () => unknown): string {
  try {
    fn();
  } catch (error) {
    expect(error).toBeInstanceOf(CalllogsError);
    return `${(error as CalllogsError).code} ${(error as CalllogsError).message}`;
  }
  return 'ok';
}

const body = (patch: Record<string, unknown>) => ({ ...valid, ...patch });
const check = (patch: Record<string, unknown>) => codeOf(() => validateQueryBody(2, body(patch)));
const without = (field: string) => {
  const b: Record<string, unknown> = { ...valid };
  delete b[field];
  return codeOf(() => validateQueryBody(2, b));
};

describe('validateQueryBody', () => {
  it('accepts the seed example', () => {
    const q = validateQueryBody(2, valid);
    expect(q).toMatchObject({ vdnId: 2, offset: 0, limit: 10, url: undefined });
    expect(q.beginTime.toString()).toBe('2022-08-20T15:55:55');
  });

  it('02000001: required field missing, null or empty string', () => {
    for (const f of ['offset', 'limit', 'beginTime', 'endTime']) {
      expect(without(f)).toBe(`02000001 ${f}: is required`);
      expect(check({ [f]: null })).toBe(`02000001 ${f}: is required`);
      expect(check({ [f]: '' })).toBe(`02000001 ${f}: is required`);
    }
  });

  it('02000002: url with control characters or whitespace', () => {
    for (const url of ['/a b', '/a\tb', '/a\nb', '/a\u0000', '/a\u00a0b', '/a\ud800']) {
      expect(check({ url })).toMatch(/^02000002 url:/);
    }
    expect(check({ url: '/rest/数据/接口' })).toBe('ok');
  });

  it('02000003: url longer than 2048 characters (counted as characters, not bytes)', () => {
    expect(check({ url: '/' + 'a'.repeat(2047) })).toBe('ok');
    expect(check({ url: '中'.repeat(2048) })).toBe('ok');
    expect(check({ url: '/' + 'a'.repeat(2048) })).toBe('02000003 url: must be at most 2048 characters');
  });

  it('02000005: a time that is not 19 characters', () => {
    expect(check({ beginTime: '2022-08-20 15:55' })).toMatch(/^02000005 beginTime:/);
    expect(check({ endTime: '2022-08-23 15:55:55.000' })).toMatch(/^02000005 endTime:/);
  });

  it('02000006: wrong JSON types', () => {
    for (const offset of ['5', 1.5, true, [], {}]) expect(check({ offset })).toBe('02000006 offset: must be an integer');
    for (const limit of ['10', 0.5, false]) expect(check({ limit })).toBe('02000006 limit: must be an integer');
    expect(check({ url: 5 })).toBe('02000006 url: must be a string');
    expect(check({ beginTime: 20220820 })).toBe('02000006 beginTime: must be a string');
    expect(check({ endTime: ['2022-08-23 15:55:55'] })).toBe('02000006 endTime: must be a string');
    for (const b of [[], 'x', 5, null, true]) expect(codeOf(() => validateQueryBody(2, b))).toBe('02000006 body: must be a JSON object');
  });

  it('02000007: values out of range', () => {
    expect(check({ limit: 0 })).toBe('02000007 limit: must be between 1 and 100');
    expect(check({ limit: 101 })).toBe('02000007 limit: must be between 1 and 100');
    expect(check({ limit: 100 })).toBe('ok');
    expect(check({ offset: -1 })).toBe('02000007 offset: must be between 0 and 2147483647');
    expect(check({ offset: 2147483648 })).toMatch(/^02000007 offset/);
    expect(check({ offset: 2147483647 })).toBe('ok');
    expect(check({ offset: 1e300 })).toMatch(/^02000007 offset/);
    expect(check({ offset: Infinity })).toMatch(/^02000007 offset/);
    expect(check({ offset: 7 })).toBe('ok'); // any offset, not only multiples of limit
  });

  it('02000008: a 19-character time that is not a real time', () => {
    for (const t of ['2022-02-30 10:00:00', '2022-01-01 24:00:00', '2022-13-01 00:00:00', '2022/08/20 15:55:55', '2022-08-20T15:55:55',
      '2022-08-20 15:60:00', '2021-02-29 00:00:00']) {
      expect(check({ beginTime: t })).toMatch(/^02000008 beginTime:/);
    }
    expect(check({ beginTime: '2024-02-29 00:00:00', endTime: '2024-03-01 00:00:00' })).toBe('ok');
  });

  it('02000009: endTime before beginTime, or a window over 7 days', () => {
    expect(check({ beginTime: '2022-08-20 00:00:00', endTime: '2022-08-19 23:59:59' })).toMatch(/^02000009 endTime: must not be before/);
    expect(check({ beginTime: '2022-08-20 00:00:00', endTime: '2022-08-20 00:00:00' })).toBe('ok');
    expect(check({ beginTime: '2022-08-20 00:00:00', endTime: '2022-08-27 00:00:00' })).toBe('ok');
    expect(check({ beginTime: '2022-08-20 00:00:00', endTime: '2022-08-27 00:00:01' })).toMatch(/^02000009 endTime: must be at most 7 days/);
  });

  it('02000011: more than 32 top-level fields', () => {
    const extra = (n: number) => Object.fromEntries(Array.from({ length: n }, (_, i) => [`x${i}`, i]));
    expect(check(extra(32 - 5))).toBe('ok');
    expect(check(extra(32 - 4))).toBe('02000011 body: must have at most 32 fields');
  });

  it('0200001: any other parameter problem (forbidden field names)', () => {
    expect(codeOf(() => validateQueryBody(2, JSON.parse('{"__proto__":{"x":1},"offset":0}')))).toBe('0200001 __proto__: field name is not allowed');
    expect(check({ constructor: 1 })).toBe('0200001 constructor: field name is not allowed');
  });

  it('ignores unknown fields and treats absent, null and empty url as all interfaces', () => {
    expect(validateQueryBody(2, body({ extra: { deep: [1] } })).url).toBeUndefined();
    expect(validateQueryBody(2, body({ url: null })).url).toBeUndefined();
    expect(validateQueryBody(2, body({ url: '/a/b' })).url).toEqual({ kind: 'exact', value: '/a/b' });
    expect(validateQueryBody(2, body({ url: '/a/*' })).url).toEqual({ kind: 'prefix', value: '/a/' });
    expect(validateQueryBody(2, body({ url: '/a*/b' })).url).toEqual({ kind: 'exact', value: '/a*/b' });
  });

  it('reports the first broken rule in the documented order', () => {
    const allBad = { offset: 'x', limit: 0, url: 5, beginTime: 'bad', endTime: null };
    expect(codeOf(() => validateQueryBody(2, allBad))).toMatch(/^02000006 offset/);
    expect(codeOf(() => validateQueryBody(2, { ...allBad, offset: 0 }))).toMatch(/^02000007 limit/);
    expect(codeOf(() => validateQueryBody(2, { ...allBad, offset: 0, limit: 1 }))).toMatch(/^02000006 url/);
    expect(codeOf(() => validateQueryBody(2, { ...allBad, offset: 0, limit: 1, url: '' }))).toMatch(/^02000005 beginTime/);
    expect(codeOf(() => validateQueryBody(2, { ...allBad, offset: 0, limit: 1, url: '', beginTime: '2022-08-20 00:00:00' })))
      .toMatch(/^02000001 endTime/);
    const tooMany = Object.fromEntries(Array.from({ length: 40 }, (_, i) => [`x${i}`, i]));
    expect(codeOf(() => validateQueryBody(2, { ...tooMany, offset: 'x' }))).toMatch(/^02000011 body/);
  });
});

describe('parseVdnId', () => {
  it('accepts decimal integers 1..9999', () => {
    expect(parseVdnId('1')).toBe(1);
    expect(parseVdnId('9999')).toBe(9999);
    expect(parseVdnId('0002')).toBe(2);
  });
  it('02000006 for non-integers, 02000007 out of range', () => {
    for (const v of ['abc', '1.5', '', ' 2', '0x10', '2e3']) expect(codeOf(() => parseVdnId(v))).toBe('02000006 vdnId: must be a decimal integer');
    for (const v of ['0', '10000', '-1', '99999999999999999999']) {
      expect(codeOf(() => parseVdnId(v))).toBe('02000007 vdnId: must be between 1 and 9999');
    }
  });
});

describe('request bodies', () => {
  it('accepts application/json with any charset, case-insensitive, and nothing else', () => {
    for (const t of ['application/json', 'application/json; charset=UTF-8', 'Application/JSON;charset=gbk']) expect(isJsonContentType(t)).toBe(true);
    for (const t of [undefined, '', 'text/plain', 'application/jsonx', 'application/merge-patch+json']) expect(isJsonContentType(t)).toBe(false);
  });
  it('empty is 02000001, not UTF-8 or not JSON is 02000008', () => {
    expect(codeOf(() => parseJsonBody(Buffer.alloc(0)))).toBe('02000001 body: is required');
    expect(codeOf(() => parseJsonBody(Buffer.from([0xff, 0xfe, 0x00])))).toBe('02000008 body: is not valid UTF-8');
    expect(codeOf(() => parseJsonBody(Buffer.from('{"limit":')))).toBe('02000008 body: is not valid JSON');
    expect(parseJsonBody(Buffer.from('{"a":1}'))).toEqual({ a: 1 });
  });
});

describe('queryWindow', () => {
  it('is inclusive at second precision: [begin, end + 1 s)', () => {
    const q = validateQueryBody(2, body({ beginTime: '2022-08-20 00:00:00', endTime: '2022-08-20 00:00:00' }));
    const w = queryWindow(q, 'UTC');
    expect(w).toEqual({ fromMs: Date.UTC(2022, 7, 20), toMs: Date.UTC(2022, 7, 20) + 1000 });
  });
  it('reads wall times in the configured zone, resolving DST gaps forward and overlaps to the earlier offset', () => {
    // Europe/Berlin: 2022-03-27 02:00 → 03:00 (gap), 2022-10-30 03:00 → 02:00 (overlap).
    const gap = queryWindow(validateQueryBody(2, body({ beginTime: '2022-03-27 02:30:00', endTime: '2022-03-27 02:30:00' })), 'Europe/Berlin');
    expect(new Date(gap.fromMs).toISOString()).toBe('2022-03-27T01:30:00.000Z'); // 03:30 CEST
    const overlap = queryWindow(validateQueryBody(2, body({ beginTime: '2022-10-30 02:30:00', endTime: '2022-10-30 02:30:00' })), 'Europe/Berlin');
    expect(new Date(overlap.fromMs).toISOString()).toBe('2022-10-30T00:30:00.000Z'); // 02:30 CEST, the earlier offset
    const shanghai = queryWindow(validateQueryBody(2, body({ beginTime: '2022-08-20 08:00:00', endTime: '2022-08-20 08:00:00' })), 'Asia/Shanghai');
    expect(new Date(shanghai.fromMs).toISOString()).toBe('2022-08-20T00:00:00.000Z');
  });
  it('counts the 7 days on the wall clock, so a window across a DST change may still be 7 days', () => {
    expect(check({ beginTime: '2022-10-27 00:00:00', endTime: '2022-11-03 00:00:00' })).toBe('ok');
  });
});

describe('parseInstant', () => {
  it('reads the operTime form (its fast path) exactly as Temporal reads it, real dates only', () => {
    const random = seededRandom(15);
    for (let i = 0; i < 20_000; i += 1) {
      const ms = Math.floor((random() * 2 - 0.5) * 4e12);
      const text = formatOperTime(ms);
      expect([text, parseInstant(text)]).toEqual([text, ms]);
    }
    for (let i = 0; i < 5_000; i += 1) {
      const pad = (n: number, w: number) => String(n).padStart(w, '0');
      const text = `${pad(Math.floor(random() * 10_000), 4)}-${pad(Math.floor(random() * 14), 2)}-${pad(Math.floor(random() * 33), 2)}T` +
        `${pad(Math.floor(random() * 26), 2)}:${pad(Math.floor(random() * 61), 2)}:${pad(Math.floor(random() * 61), 2)}.${pad(Math.floor(random() * 1000), 3)}+00:00`;
      let expected: number | undefined;
      try {
        expected = Temporal.Instant.from(text).epochMilliseconds;
      } catch {
        expected = undefined;
      }
      expect([text, parseInstant(text)]).toEqual([text, expected]);
    }
  });
});

describe('proofWindows', () => {
  it('tiles a range with windows the proof interface accepts in any zone, across daylight-saving changes', () => {
    const cases: [string, number, number][] = [
      ['Europe/Berlin', Date.parse('2026-03-01T00:00:00Z'), Date.parse('2026-04-15T12:34:56Z')],
      ['America/New_York', Date.parse('2026-10-20T00:00:00Z'), Date.parse('2026-11-30T23:59:59Z')],
      ['Australia/Lord_Howe', Date.parse('2026-09-20T00:00:00Z'), Date.parse('2026-10-20T00:00:00Z')],
      ['UTC', Date.parse('2026-01-01T00:00:00Z'), Date.parse('2026-01-01T00:00:00Z')],
    ];
    for (const [zone, fromMs, lastMs] of cases) {
      const windows = proofWindows(fromMs, lastMs);
      expect(windows[0]!.fromMs, zone).toBe(fromMs);
      expect(windows.at(-1)!.toMs, zone).toBe(lastMs + 1000);
      windows.forEach((window, i) => {
        if (i > 0) expect(window.fromMs, zone).toBe(windows[i - 1]!.toMs);
        const span = wallSecondsBetween(epochMsToWallTime(window.fromMs, zone), epochMsToWallTime(window.toMs - 1000, zone));
        expect(span, `${zone} window ${i}`).toBeLessThanOrEqual(MAX_WINDOW_SECONDS);
        expect(span, `${zone} window ${i}`).toBeGreaterThanOrEqual(0);
      });
    }
  });
});
