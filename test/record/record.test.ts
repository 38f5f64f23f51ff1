import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import type { CallRecord } from '../../src/contract/record.js';
import { matchRoute } from '../../src/record/catalog.js';
import { createIdGenerator } from '../../src/record/ids.js';
import { createRedactor, DEFAULT_REDACTION, maskPhone, SECRET_MASK, TOO_DEEP } from '../../src/record/redact.js';
import { capRequest, describeRequest, MAX_REQUEST_BYTES } from '../../src/record/request-params.js';
import { SpillFile } from '../../src/record/spill.js';
import { RecordWriter } from '../../src/record/writer.js';
import { SqliteStore } from '../../src/store/sqlite/sqlite-store.js';
import type { LogStore } from '../../src/store/types.js';
import { makeRecord } from '../helpers/records.js';
import { pick, seededRandom } from '../helpers/seeded.js';
import { tempDir } from '../helpers/tmp.js';

describe('ids', () => {
  it('are 30 digits led by the epoch milliseconds and increase within a process', () => {
    const next = createIdGenerator();
    const ids = [next(1660889911090), next(1660889911090), next(1660889911091), next(1660889911000)];
    for (const id of ids) expect(id).toMatch(/^\d{30}$/);
    expect(ids[0]!.slice(0, 13)).toBe('1660889911090');
    expect([...ids].sort()).toEqual(ids);
    expect(new Set(ids).size).toBe(4);
  });
  it('differ between generators (instances) stamping the same millisecond', () => {
    const a = createIdGenerator();
    const b = createIdGenerator();
    expect(a(1)).not.toBe(b(1));
  });
});

describe('route catalog', () => {
  it('names path parameters as the vendor does', () => {
    expect(matchRoute('/rest/isales/v1/openapi/campaigns/2/456/queryObsResultDetail').params).toEqual({ vdnId: '2', defId: '456' });
    expect(matchRoute('/rest/isales/v1/openapi/campaigns/2/calllogs').route?.name).toBe('queryCalllogs');
    expect(matchRoute('/rest/isales/v1/openapi/campaigns/2/callNoType/query').route?.name).toBe('queryCallNoType');
    expect(matchRoute('/rest/isales/v1/openapi/unknown').route).toBeUndefined();
    expect(matchRoute('/rest/isales/v1/openapi/campaigns//77/pause').route).toBeUndefined();
  });
});

describe('redaction', () => {
  const redact = createRedactor();
  it('replaces secrets whole and keeps 3 + 4 digits of phone numbers', () => {
    expect(JSON.parse(redact({ password: 'p', serverPwd: 'x', sk: 's', SECRET: 1, access_token: 't', calledNo: '13812341234', callerNo: 13812341234,
      callnos: ['13812341234', '+86 138 1234 1234'], name: 'ok' }))).toEqual({
      password: SECRET_MASK, serverPwd: SECRET_MASK, sk: SECRET_MASK, SECRET: SECRET_MASK, access_token: SECRET_MASK,
      calledNo: '138****1234', callerNo: '138****1234', callnos: ['138****1234', '+86 1** **** 1234'], name: 'ok',
    });
    expect(JSON.parse(redact({ nested: [{ phone: '1234567' }, { token: { a: 1 } }] }))).toEqual({ nested: [{ phone: '*******' }, { token: SECRET_MASK }] });
    expect(maskPhone('13812341234')).toBe('138****1234');
  });
  it('writes what masking each field and then JSON.stringify would, for any shape of body (seeded)', () => {
    // The reference: the rules applied one field at a time into a new object (every name an own
    // field, `__proto__` too), then JSON.stringify.
    const kinds = { secret: /password|pwd|^sk$|secret|token/i, phone: /^(callNo|phone)$/i };
    const runs = /(?<!\d)\+?\d{11,15}(?!\d)/g;
    const reference = (value: unknown, depth: number, phone = false): unknown => {
      if (phone && (typeof value === 'string' || typeof value === 'number')) return maskPhone(String(value));
      if (typeof value === 'string') return value.replace(runs, maskPhone);
      if (typeof value !== 'object' || value === null) return value;
      if (depth >= 32) return TOO_DEEP;
      if (Array.isArray(value)) return value.map((v) => reference(v, depth + 1, phone));
      const out = {};
      for (const key of Object.keys(value)) {
        const v = (value as Record<string, unknown>)[key];
        const masked = kinds.secret.test(key) ? SECRET_MASK : reference(v, depth + 1, kinds.phone.test(key));
        Object.defineProperty(out, key, { value: masked, enumerable: true });
      }
      return out;
    };
    const rng = seededRandom(20261203);
    const names = ['a', 'note', 'password', 'userPwd', 'sk', 'token', 'callNo', 'PHONE', '__proto__', 'constructor', 'toString', '1', '07', '', 'a"b', '\u0001', '😀', 'k'.repeat(65)];
    const strings = ['', 'x', '13812341234', 'call +8613812341234 now', '123456789012345678', 'a"\\\n中', '138-1234-1234', '😀', '\ud800', '\u007f\u2028\u001f',
      `${'x'.repeat(60)}13812341234`, '\t'.repeat(70)];
    const valueOf = (depth: number): unknown => {
      const r = rng();
      if (depth > 4 || r < 0.35) return pick(rng, [...strings, 13812341234, 0, -2.5, true, false, null]);
      if (r < 0.55) return Array.from({ length: Math.floor(rng() * 4) }, () => valueOf(depth + 1));
      const text = Array.from({ length: Math.floor(rng() * 5) }, () => `${JSON.stringify(pick(rng, names))}:${JSON.stringify(valueOf(depth + 1))}`);
      return JSON.parse(`{${text.join(',')}}`);
    };
    for (let i = 0; i < 3000; i++) {
      const value = valueOf(0);
      expect(redact(value), JSON.stringify(value)).toBe(JSON.stringify(reference(value, 0)));
    }
  });
  it('cuts values nested deeper than the limit', () => {
    let deep: unknown = 1;
    for (let i = 0; i < 100_000; i++) deep = [deep];
    const out = redact({ deep });
    expect(out).toContain(TOO_DEEP);
  });
});

describe('describeRequest', () => {
  const redact = createRedactor();
  it('merges path parameters, query parameters and body fields', () => {
    expect(describeRequest({ pathParams: { vdnId: '2', defId: '456' }, query: 'a=1&a=2&b=x%20y', body: { limit: 10, password: 'p' } }, redact))
      .toBe('{"vdnId":2,"defId":"456","a":["1","2"],"b":"x y","limit":10,"password":"******"}');
    expect(describeRequest({ pathParams: { vdnId: 'abc' }, query: '', body: 'not json' }, redact)).toBe('{"vdnId":"abc","body":"not json"}');
  });
  it('records names that objects already have (constructor, __proto__, toString) as the fields they are', () => {
    expect(describeRequest({ pathParams: {}, query: 'constructor=1&toString=x&hasOwnProperty=2&valueOf=3', body: undefined }, redact))
      .toBe('{"constructor":"1","toString":"x","hasOwnProperty":"2","valueOf":"3"}');
    // Before: __proto__ was dropped and made `length` read an array's length.
    expect(describeRequest({ pathParams: {}, query: '__proto__=5&length=3&__proto__=6', body: undefined }, redact))
      .toBe('{"__proto__":["5","6"],"length":"3"}');
    const body = JSON.parse('{"__proto__":{"password":"p","x":1},"constructor":{"prototype":2},"a":{"__proto__":"13812341234"}}');
    expect(describeRequest({ pathParams: { vdnId: '2' }, query: 'constructor=q', body }, redact))
      .toBe('{"vdnId":2,"constructor":{"prototype":2},"__proto__":{"password":"******","x":1},"a":{"__proto__":"138****1234"}}');
  });
  it('keeps parameters in the order the call gave them, numeric names included', () => {
    expect(describeRequest({ pathParams: {}, query: '2=a&b=c&1=d', body: { z: 1, 10: 2 } }, redact)).toBe('{"2":"a","b":"c","1":"d","10":2,"z":1}');
  });
  it('masks phone numbers inside any string, and leaves other values as JSON writes them', () => {
    const values = { note: 'call 13812341234 or +8613812341234, not 123456', n: 13812341234, flags: [true, null, 1.5e300, 0], text: 'a"\\\u0001中' };
    expect(JSON.parse(redact(values))).toEqual({ ...values, note: 'call 138****1234 or +861******1234, not 123456' });
    expect(createRedactor({ ...DEFAULT_REDACTION, phoneValuePattern: null })(values)).toBe(JSON.stringify(values));
  });
  it('caps the result at 64 KiB and marks it, keeping it valid JSON', () => {
    const big = describeRequest({ pathParams: {}, query: '', body: { text: '"中'.repeat(40_000) } }, redact);
    expect(Buffer.byteLength(big)).toBeLessThanOrEqual(MAX_REQUEST_BYTES);
    const parsed = JSON.parse(big);
    expect(parsed.truncated).toBe(true);
    expect(parsed.originalBytes).toBeGreaterThan(MAX_REQUEST_BYTES);
    expect(parsed.prefix.startsWith('{"text":"\\"中')).toBe(true);
    expect(capRequest('{"a":1}')).toBe('{"a":1}');
  });
  it('keeps as much of a capped request as fits, however much escaping grows it', () => {
    for (const text of ['"'.repeat(70_000), 'x'.repeat(70_000), '\u0001'.repeat(70_000), '中"'.repeat(30_000), '"a'.repeat(40_000)]) {
      const capped = describeRequest({ pathParams: {}, query: '', body: { text } }, redact);
      const size = Buffer.byteLength(capped);
      expect(size).toBeLessThanOrEqual(MAX_REQUEST_BYTES);
      expect(size, JSON.stringify(text.slice(0, 4))).toBeGreaterThan(MAX_REQUEST_BYTES - 3 * 1024);
    }
  });
});

/** A store whose writes fail while `down()` says so. */
function switchable(store: LogStore, down: () => boolean): LogStore {
  return Object.assign(Object.create(store) as LogStore, {
    insertBatch: async (records: CallRecord[]) => {
      if (down()) throw new Error('connection refused');
      return store.insertBatch(records);
    },
  });
}

/** A store whose writes fail a given number of times first. */
function flaky(store: LogStore, failures: number): LogStore {
  let left = failures;
  return Object.assign(Object.create(store) as LogStore, {
    insertBatch: async (records: CallRecord[]) => {
      if (left-- > 0) throw new Error('disk hiccup');
      return store.insertBatch(records);
    },
  });
}

describe('RecordWriter', () => {
  const dir = tempDir();
  const options = { maxQueue: 100, maxBatch: 25, flushIntervalMs: 50, closeTimeoutMs: 5000 };

  it('writes within the flush interval, in batches of at most maxBatch', async () => {
    const store = SqliteStore.open(join(dir, 'w1.db'));
    const batches: number[] = [];
    const writer = new RecordWriter(store, { ...options, onBatch: (n) => batches.push(n) });
    writer.enqueue(makeRecord());
    expect(await store.countRecords()).toBe(0);
    await new Promise((r) => setTimeout(r, 120));
    expect(await store.countRecords()).toBe(1);
    for (let i = 0; i < 60; i++) writer.enqueue(makeRecord());
    await writer.close();
    expect(await store.countRecords()).toBe(61);
    expect(Math.max(...batches)).toBeLessThanOrEqual(25);
    await store.close();
  });

  it('retries a failing store and loses nothing', async () => {
    const store = SqliteStore.open(join(dir, 'w2.db'));
    const errors: number[] = [];
    const writer = new RecordWriter(flaky(store, 3), { ...options, onError: (_e, attempt) => errors.push(attempt) });
    for (let i = 0; i < 40; i++) writer.enqueue(makeRecord());
    await writer.close();
    expect(errors).toEqual([1, 2, 3]);
    expect(await store.countRecords()).toBe(40);
    await store.close();
  });

  it('holds new work back while the queue is full', async () => {
    const store = SqliteStore.open(join(dir, 'w3.db'));
    const writer = new RecordWriter(flaky(store, 2), { ...options, maxQueue: 10, maxBatch: 5 });
    for (let i = 0; i < 10; i++) writer.enqueue(makeRecord());
    expect(writer.isFull).toBe(true);
    let admitted = false;
    const waiting = writer.waitForSpace().then(() => (admitted = true));
    expect(admitted).toBe(false);
    await waiting;
    expect(writer.depth).toBeLessThan(10);
    await writer.close();
    expect(await store.countRecords()).toBe(10);
    await store.close();
  });

  it('gives up on close after the timeout, saying how many records were not written', async () => {
    const store = SqliteStore.open(join(dir, 'w4.db'));
    const writer = new RecordWriter(flaky(store, 1e9), { ...options, closeTimeoutMs: 300 });
    writer.enqueue(makeRecord());
    await expect(writer.close()).rejects.toThrow('1 records could not be written');
    await store.close();
  });

  it('spills to disk while the store is down, keeping memory bounded, and replays every record once', async () => {
    const store = SqliteStore.open(join(dir, 'w5.db'));
    const spill = new SpillFile(join(dir, 'spill5'));
    let down = true;
    const events: string[] = [];
    const writer = new RecordWriter(switchable(store, () => down), { ...options, maxQueue: 40, maxBatch: 10, spill,
      onSpill: (event, n) => events.push(`${event} ${n}`) });
    const records = Array.from({ length: 200 }, () => makeRecord());
    for (const r of records) {
      expect(writer.isFull).toBe(false); // never holds requests back: the queue goes to disk
      writer.enqueue(r);
      if (writer.depth >= 20) await new Promise((res) => setTimeout(res, 60));
    }
    await new Promise((res) => setTimeout(res, 300));
    expect(writer.healthy).toBe(false);
    expect(events.some((e) => e.startsWith('spilled'))).toBe(true);
    expect((await spill.pending()).length).toBe(1);
    down = false;
    await writer.close();
    await new Promise((res) => setTimeout(res, 50));
    expect(await store.countRecords()).toBe(200);
    expect(events).toContain(`replayed ${events.filter((e) => e.startsWith('spilled')).reduce((n, e) => n + Number(e.split(' ')[1]), 0)}`);
    expect(await spill.pending()).toEqual([]);
    await store.close();
  });

  it('spills what is queued at shutdown when the store is down; the next process replays it', async () => {
    const store = SqliteStore.open(join(dir, 'w6.db'));
    const spillDir = join(dir, 'spill6');
    const first = new RecordWriter(switchable(store, () => true), { ...options, spill: new SpillFile(spillDir) });
    for (let i = 0; i < 30; i++) first.enqueue(makeRecord());
    await first.close();
    expect(await store.countRecords()).toBe(0);
    const second = new RecordWriter(store, { ...options, spill: new SpillFile(spillDir) });
    await second.resumeSpilled();
    await second.flush();
    expect(await store.countRecords()).toBe(30);
    expect(await new SpillFile(spillDir).pending()).toEqual([]);
    await second.close();
    await store.close();
  });
});
