import { describe, expect, it } from 'vitest';
import { canonicalQuery, norm } from '../../src/auth/c2-canonical.js';
import { queryPairs } from '../../src/contract/query-pairs.js';
import { pick, seededRandom } from '../helpers/seeded.js';

const PIECES = [
  'a', 'Z', '0', '9', '-', '.', '_', '~', '=', '=', '&', '&', '&&', '?', '%', '%4', '%41', '%2B', '%e4%b8%ad', '%ff', '%zz', '+',
  ' ', '\t', ';', '#', '/', "'", '*', 'é', '中', '😀', '\ud800', '\udfff', '\ufeff', '\u0000', '\u007f', '\u0080',
];

describe('queryPairs', () => {
  it('reads every text as URLSearchParams does, whether split directly or not', () => {
    const rng = seededRandom(20261204);
    let direct = 0;
    for (let n = 0; n < 6000; n += 1) {
      // Half the texts from the characters a query usually holds, half from anything.
      const plain = rng() < 0.5;
      const text = Array.from({ length: Math.floor(rng() * 14) }, () => (plain ? pick(rng, PIECES.slice(0, 13)) : pick(rng, PIECES))).join('');
      expect([text, queryPairs(text)]).toEqual([text, [...new URLSearchParams(text)]]);
      if (!/[%+]/.test(text) && !text.startsWith('?') && /^[^\u0080-\uffff]*$/.test(text)) direct += 1;
    }
    // Both readings were exercised.
    expect(direct).toBeGreaterThan(2000);
    expect(direct).toBeLessThan(5000);
  });

  it('drops a leading question mark and decodes plus signs and escapes, as a server does', () => {
    expect(queryPairs('?a=1&&b&c=x=y')).toEqual([['a', '1'], ['b', ''], ['c', 'x=y']]);
    expect(queryPairs('a+b=%41+%e4%b8%ad')).toEqual([['a b', 'A 中']]);
  });

  it('gives the canonical query of the signature the same text either way', () => {
    const byUrlSearchParams = (query: string) =>
      [...new URLSearchParams(query)].map(([k, v]) => norm(k) + '=' + (v ? norm(v) : '')).sort((a, b) => (a < b ? -1 : a > b ? 1 : 0)).join('&');
    const rng = seededRandom(4120);
    for (let n = 0; n < 2000; n += 1) {
      const text = Array.from({ length: Math.floor(rng() * 14) }, () => pick(rng, PIECES)).join('');
      expect([text, canonicalQuery(text)]).toEqual([text, byUrlSearchParams(text)]);
    }
  });
});
