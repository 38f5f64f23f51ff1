/** Base64 and hex of bytes, with the APIs browsers and Node share (no Buffer). */

/** Bytes per String.fromCharCode call: its arguments go on the stack. */
const CHUNK = 4096;

export function toBase64(bytes: Uint8Array): string {
  let binary = '';
  // apply takes the typed array as it is (a spread copies it into an argument list first: 4x slower).
  for (let i = 0; i < bytes.length; i += CHUNK) binary += String.fromCharCode.apply(null, bytes.subarray(i, i + CHUNK) as unknown as number[]);
  return btoa(binary);
}

/**
 * Strict: only canonical standard base64 is accepted (one spelling per value). atob forgives
 * whitespace, missing padding and stray low bits; what it decoded must encode back to the very
 * text. (A regular expression for the same backtracks once per quartet and overflows the stack
 * on a proof's megabytes of digests.)
 */
export function fromBase64(text: string): Uint8Array | undefined {
  let binary: string;
  try {
    binary = atob(text);
  } catch {
    return undefined;
  }
  if (btoa(binary) !== text) return undefined;
  const bytes = new Uint8Array(binary.length);
  for (let i = 0; i < binary.length; i++) bytes[i] = binary.charCodeAt(i);
  return bytes;
}

export function toHex(bytes: Uint8Array): string {
  let hex = '';
  for (const byte of bytes) hex += (byte < 16 ? '0' : '') + byte.toString(16);
  return hex;
}

export function fromHex(text: string): Uint8Array | undefined {
  if (!/^(?:[0-9a-f]{2})*$/.test(text)) return undefined;
  const bytes = new Uint8Array(text.length / 2);
  for (let i = 0; i < bytes.length; i++) bytes[i] = parseInt(text.slice(2 * i, 2 * i + 2), 16);
  return bytes;
}
