import { randomBytes } from 'node:crypto';
import { expect, it } from 'vitest';
import { fromBase64, toBase64 } from '../../src/integrity/encoding.js';

it('writes standard base64 as node does, for every length and across its 4 KiB chunks, and reads it back', () => {
  // A proof's digests are one value: 32 bytes a leaf, megabytes for a long range.
  const lengths = [...Array(70).keys(), 4095, 4096, 4097, 20_000, 32 * 100_000];
  for (const length of lengths) {
    const bytes = new Uint8Array(randomBytes(length));
    const text = toBase64(bytes);
    expect(text, `${length} bytes`).toBe(Buffer.from(bytes).toString('base64'));
    const read = fromBase64(text);
    // Buffer.equals: a deep comparison of megabytes element by element takes the test runner seconds.
    expect(read !== undefined && Buffer.from(read).equals(bytes), `${length} bytes`).toBe(true);
  }
});

it('reads only the one canonical spelling of each value', () => {
  expect(fromBase64('AAE=')).toEqual(Uint8Array.of(0, 1));
  for (const other of ['AAF=', 'AAE', 'AA E=', 'AAE==', 'AA-_', 'AAE=\n', '=AAE', 'A===']) expect(fromBase64(other), other).toBeUndefined();
  const long = toBase64(new Uint8Array(3_000_000));
  expect(fromBase64(`${long.slice(0, 1_000_000)} ${long.slice(1_000_000)}`)).toBeUndefined();
});
