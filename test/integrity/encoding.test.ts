import { randomBytes } from 'node:crypto';
import { expect, it } from 'vitest';
import { fromBase64, toBase64 } from '../../src/integrity/encoding.js';

it('writes standard base64 as node does, for every length and across its 4 KiB chunks, and reads it back', () => {
  const lengths = [...Array(70).keys(), 4095, 4096, 4097, 20_000];
  for (const length of lengths) {
    const bytes = new Uint8Array(randomBytes(length));
    const text = toBase64(bytes);
    expect(text, `${length} bytes`).toBe(Buffer.from(bytes).toString('base64'));
    expect(fromBase64(text), `${length} bytes`).toEqual(bytes);
  }
});

it('reads only the one canonical spelling of each value', () => {
  expect(fromBase64('AAE=')).toEqual(Uint8Array.of(0, 1));
  for (const other of ['AAF=', 'AAE', 'AA E=', 'AAE==', 'AA-_', 'AAE=\n']) expect(fromBase64(other), other).toBeUndefined();
});
