import { describe, expect, it } from 'vitest';
import { concatJsonArrays, parseJson, textOf, utf8Of } from '../../src/contract/proof.js';

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
    const asBytes = (part: string) => new TextEncoder().encode(part);
    for (const parts of cases) {
      const expected = Buffer.from(parts.join(''), 'utf8');
      expect(Buffer.from(utf8Of(parts)).equals(expected)).toBe(true);
      // The same parts, every other one given as its UTF-8 bytes (as a database's columns arrive).
      expect(Buffer.from(utf8Of(parts.map((part, i) => (i % 2 ? asBytes(part) : part)))).equals(expected)).toBe(true);
      expect(Buffer.from(utf8Of(parts.map(asBytes))).equals(expected)).toBe(true);
    }
  });

  it('joins JSON arrays given as text or as UTF-8 bytes, empty ones and spaced ones included', () => {
    const bytes = (json: string) => new TextEncoder().encode(json);
    expect(concatJsonArrays([])).toBe('[]');
    expect(concatJsonArrays(['[]', '[]'])).toBe('[]');
    expect(parseJson(concatJsonArrays(['["a", "b"]', '[]', '["c"]', '[ ]']))).toEqual(['a', 'b', 'c']);
    expect(parseJson(concatJsonArrays(['[1,2]', '[3]']))).toEqual([1, 2, 3]);
    // Any of them as bytes: bytes come back, the strings among them encoded.
    expect(textOf(concatJsonArrays([bytes('[]'), bytes('[ \n]')]))).toBe('[]');
    expect(textOf(concatJsonArrays([bytes('["ü", "日本"]'), '[]', '["😀"]', bytes('[ ]'), bytes('[null,3.5]')]))).toBe('["ü", "日本","😀",null,3.5]');
    expect(concatJsonArrays([bytes('[1]')])).toBeInstanceOf(Uint8Array);
  });
});
