import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { generateRecords, HOT_VDN } from '../../bench/lib/generate.mjs';
import { SqliteStore } from '../../src/store/sqlite/sqlite-store.js';
import { tempDir } from '../helpers/tmp.js';

describe('the benchmark data generator at a small size', () => {
  const end = Date.UTC(2026, 9, 31);
  const records = [...generateRecords({ count: 20_000, endMs: end })];

  it('has the promised shape: hot VDN at 30 %, 26 interface urls, about 8 % failures, 30 days in time order', () => {
    const share = (f: (r: (typeof records)[number]) => boolean) => records.filter(f).length / records.length;
    expect(share((r) => r.vdnId === HOT_VDN)).toBeCloseTo(0.3, 1);
    expect(share((r) => r.resultCode !== '0200000')).toBeCloseTo(0.08, 1);
    const urls = new Set(records.map((r) => r.url.replace(/campaigns\/\d+/, 'campaigns/{vdn}')));
    expect(urls.size).toBe(26);
    expect(new Set(records.map((r) => r.vdnId)).size).toBeGreaterThan(50);
    expect(records.every((r, i) => i === 0 || r.operTime >= records[i - 1]!.operTime)).toBe(true);
    expect(records[0]!.operTime).toBeGreaterThanOrEqual(end - 30 * 86_400_000);
    expect(records.every((r) => /^\d{30}$/.test(r.id) && JSON.parse(r.request).vdnId === r.vdnId)).toBe(true);
    expect(new Set(records.map((r) => r.id)).size).toBe(records.length);
  });

  it('gives each VDN three integrators (60 / 30 / 10 %) calling from four addresses each; a 401 carries no key', () => {
    const hot = records.filter((r) => r.vdnId === HOT_VDN);
    const share = (ak: string) => hot.filter((r) => r.ak === ak).length / hot.filter((r) => r.ak).length;
    expect([share('ak-1-1'), share('ak-1-2'), share('ak-1-3')].map((x) => Math.round(x * 10))).toEqual([6, 3, 1]);
    expect(records.filter((r) => r.httpStatus === 401).every((r) => r.ak === undefined)).toBe(true);
    expect(records.filter((r) => r.ak === undefined).every((r) => r.httpStatus === 401)).toBe(true);
    expect(new Set(hot.map((r) => r.clientIp)).size).toBe(12);
  });

  it('is deterministic and loads through the store', async () => {
    expect([...generateRecords({ count: 100, endMs: end })]).toEqual([...generateRecords({ count: 100, endMs: end })]);
    const store = SqliteStore.open(join(tempDir(), 'generated.db'));
    await store.insertBatch(records.slice(0, 5000));
    expect(await store.countRecords()).toBe(5000);
    await store.close();
  });
});
