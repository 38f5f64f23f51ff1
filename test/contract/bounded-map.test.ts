import { describe, expect, it } from 'vitest';
import { BoundedMap } from '../../src/contract/bounded-map.js';

describe('BoundedMap', () => {
  it('keeps at most its limit of entries, starting over when a new key finds it full', () => {
    const map = new BoundedMap<string, number>(3);
    for (const [i, key] of ['a', 'b', 'c'].entries()) map.set(key, i);
    map.set('b', 10);
    expect([...map]).toEqual([['a', 0], ['b', 10], ['c', 2]]);
    map.set('d', 3);
    expect([...map]).toEqual([['d', 3]]);
    for (let i = 0; i < 1000; i += 1) map.set(String(i), i);
    expect(map.size).toBeLessThanOrEqual(3);
    expect(map.get('999')).toBe(999);
  });
});
