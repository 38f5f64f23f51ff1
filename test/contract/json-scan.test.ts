import { describe, expect, it } from 'vitest';
import { decodeString, stringEnd } from '../../src/contract/json-scan.js';
import { pick, seededRandom } from '../helpers/seeded.js';

/** The definition: walk the string, a backslash taking the character after it along. */
function walkedEnd(text: string, start: number): number {
  for (let i = start + 1; i < text.length; i += 1) {
    if (text[i] === '\\') i += 1;
    else if (text[i] === '"') return i + 1;
  }
  return -1;
}

describe('the end of a JSON string', () => {
  it('is where walking it character by character ends, with any run of backslashes before a quote', () => {
    const rng = seededRandom(20261203);
    const pieces = ['"', '\\', '\\\\', '\\"', 'a', '中', '😀', '\\u0022', ' ', '}'];
    for (let n = 0; n < 20_000; n += 1) {
      const text = '"' + Array.from({ length: Math.floor(rng() * 12) }, () => pick(rng, pieces)).join('');
      expect(stringEnd(text, 0), JSON.stringify(text)).toBe(walkedEnd(text, 0));
    }
  });

  it('starts from the quote it is given, not from the start of the text', () => {
    expect(stringEnd('{"a\\\\":"b\\"c"}', 1)).toBe(6);
    expect(stringEnd('{"a\\\\":"b\\"c"}', 7)).toBe(13);
    expect(stringEnd('"cut \\', 0)).toBe(-1);
  });
});

describe('a JSON string literal decoded', () => {
  it('is what JSON.parse reads, or undefined where it throws (seeded)', () => {
    const rng = seededRandom(1203);
    const pieces = ['"', '\\', '\\\\', '\\"', '\\n', '\\u00e9', '\\x', 'a', 'resultCode', '中', '😀', '\ud800', '\u0000', '\t', '\u001f', '\u007f', ' '];
    const parsed = (literal: string) => {
      try {
        return JSON.parse(literal) as unknown;
      } catch {
        return undefined;
      }
    };
    let plain = 0;
    for (let n = 0; n < 20_000; n += 1) {
      const inner = Array.from({ length: Math.floor(rng() * 6) }, () => pick(rng, pieces)).join('');
      const literal = rng() < 0.95 ? `"${inner}"` : inner;
      if (![...inner].some((c) => c < ' ' || c === '"' || c === '\\')) plain += 1;
      expect(decodeString(literal), JSON.stringify(literal)).toBe(parsed(literal));
    }
    expect(plain).toBeGreaterThan(1000);
  });
});
