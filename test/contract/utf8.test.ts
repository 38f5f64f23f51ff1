import { describe, expect, it } from 'vitest';
import { concatJsonArrays, utf8Of } from '../../src/contract/proof.js';

describe('a proof answer put together from parts', () => {
  it('encodes every part as UTF-8, in order, whatever the mix of ASCII and wider characters', () => {
    const wide = ['ü', '日本', '😀', '\u2028', 'x😀y', '\ud83d\ude00'.repeat(1000)];
    const cases = [
      [],
      [''],
      ['plain ASCII', '', 'more'],
      ['a'.repeat(100_000), ...wide, 'b'.repeat(10)],
      [...wide, 'tail'],
      // Each wide part is longer in bytes than all the room left, so the array grows more than once.
      wide.map((part) => part.repeat(50)),
      // Long wide parts are given room as if ASCII, short ones room for anything (a checkpoint's em dash).
      ['— '.repeat(10), 'a'.repeat(10_000), '日'.repeat(5000), 'ü'.repeat(5000), '😀'.repeat(5000), '— '.repeat(2048)],
    ];
    for (const parts of cases) {
      const bytes = Buffer.from(utf8Of(parts));
      expect(bytes.length).toBe(Buffer.byteLength(parts.join('')));
      expect(bytes.equals(Buffer.from(parts.join(''), 'utf8'))).toBe(true);
    }
  });

  it('joins JSON arrays given as text, empty ones and spaced ones included', () => {
    expect(concatJsonArrays([])).toBe('[]');
    expect(concatJsonArrays(['[]', '[]'])).toBe('[]');
    expect(JSON.parse(concatJsonArrays(['["a", "b"]', '[]', '["c"]', '[ ]']))).toEqual(['a', 'b', 'c']);
    expect(JSON.parse(concatJsonArrays(['[1,2]', '[3]']))).toEqual([1, 2, 3]);
  });
});
