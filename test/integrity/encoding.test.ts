import { randomBytes } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { base64Codec } from '../../src/integrity/encoding.js';

describe.each([['with Buffer (Node)', Buffer], ['without Buffer (a browser)', undefined]])('base64 %s', (_name, buffer) => {
  const { fromBase64, toBase64, toBase64Json } = base64Codec(buffer);

  it('writes standard base64 as node does, for every length and across its 4 KiB chunks, and reads it back', () => {
    // A proof's digests are one value: 32 bytes a leaf, megabytes for a long range.
    const lengths = [...Array(70).keys(), 4095, 4096, 4097, 20_000, 32 * 100_000];
    for (const length of lengths) {
      const bytes = new Uint8Array(randomBytes(length));
      const text = toBase64(bytes);
      // Compared as booleans: a failing comparison of megabytes would make the runner diff them.
      expect(text === Buffer.from(bytes).toString('base64'), `${length} bytes`).toBe(true);
      const read = fromBase64(text);
      expect(read !== undefined && Buffer.from(read).equals(bytes), `${length} bytes`).toBe(true);
    }
    // A view of part of a larger array codes only that part.
    expect(toBase64(Uint8Array.of(9, 0, 1, 9).subarray(1, 3))).toBe('AAE=');
  });

  it('writes the JSON string of the base64, as text or its UTF-8 bytes, that a proof splices in', () => {
    for (const length of [0, 1, 2, 3, 31, 32, 33, 4097, 32 * 70_000]) {
      const bytes = new Uint8Array(randomBytes(length));
      const json = toBase64Json(bytes);
      const text = typeof json === 'string' ? json : new TextDecoder().decode(json);
      expect(text === JSON.stringify(Buffer.from(bytes).toString('base64')), `${length} bytes`).toBe(true);
    }
    const part = toBase64Json(Uint8Array.of(9, 0, 1, 9).subarray(1, 3));
    expect(typeof part === 'string' ? part : [...part]).toEqual(buffer ? [...new TextEncoder().encode('"AAE="')] : '"AAE="');
  });

  it('reads only the one canonical spelling of each value', () => {
    expect(fromBase64('AAE=')).toEqual(Uint8Array.of(0, 1));
    for (const other of ['AAF=', 'AAE', 'AA E=', 'AAE==', 'AA-_', 'AA_=', 'AAE=\n', '=AAE', 'A===', 'AAE=AAE=', 'AA*E=']) {
      expect(fromBase64(other), other).toBeUndefined();
    }
    const long = toBase64(new Uint8Array(3_000_000));
    expect(fromBase64(`${long.slice(0, 1_000_000)} ${long.slice(1_000_000)}`)).toBeUndefined();
  });
});
