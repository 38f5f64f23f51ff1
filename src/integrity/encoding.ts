/**
 * Base64 and hex of bytes, with the APIs browsers and Node share, and Node's Buffer where there is
 * one: a proof carries megabytes of digests, which btoa and atob through binary strings code ~5x
 * slower.
 */

import type { JsonText } from '../contract/proof.js';

type NodeBufferBytes = Uint8Array & { toString(encoding: 'base64'): string; write(text: string, offset: number, encoding: 'latin1'): number };

/** What the codecs use of Node's Buffer. */
export interface NodeBuffer {
  from(text: string, encoding: 'base64'): NodeBufferBytes;
  from(data: ArrayBufferLike, byteOffset?: number, length?: number): NodeBufferBytes;
  allocUnsafe(size: number): NodeBufferBytes;
}

/** Bytes per String.fromCharCode call: its arguments go on the stack. */
const CHUNK = 4096;

/**
 * Base64 coding with Buffer when given one, else with btoa and atob. Reading is strict: only
 * canonical standard base64 is accepted (one spelling per value). atob and Buffer forgive
 * whitespace, missing padding and stray low bits (Buffer even the URL alphabet and junk); what
 * they decoded must encode back to the very text. (A regular expression for the same backtracks
 * once per quartet and overflows the stack on a proof's megabytes of digests.)
 */
export function base64Codec(buffer: NodeBuffer | undefined): {
  toBase64(bytes: Uint8Array): string;
  fromBase64(text: string): Uint8Array | undefined;
  /** The JSON string of the bytes' base64: with Buffer as its bytes (a proof's megabytes of digests: JSON.stringify and encoding the string again took 2.5x as long). */
  toBase64Json(bytes: Uint8Array): JsonText;
} {
  if (buffer) {
    const toBase64 = (bytes: Uint8Array) => buffer.from(bytes.buffer, bytes.byteOffset, bytes.length).toString('base64');
    return {
      toBase64,
      toBase64Json: (bytes) => {
        const text = toBase64(bytes);
        const json = buffer.allocUnsafe(text.length + 2);
        json[0] = json[text.length + 1] = 0x22;
        json.write(text, 1, 'latin1');
        return json;
      },
      fromBase64: (text) => {
        const bytes = buffer.from(text, 'base64');
        return bytes.toString('base64') === text ? new Uint8Array(bytes.buffer, bytes.byteOffset, bytes.length) : undefined;
      },
    };
  }
  const toBase64 = (bytes: Uint8Array) => {
    let binary = '';
    // apply takes the typed array as it is (a spread copies it into an argument list first: 4x slower).
    for (let i = 0; i < bytes.length; i += CHUNK) binary += String.fromCharCode.apply(null, bytes.subarray(i, i + CHUNK) as unknown as number[]);
    return btoa(binary);
  };
  return {
    toBase64,
    toBase64Json: (bytes) => JSON.stringify(toBase64(bytes)),
    fromBase64: (text) => {
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
    },
  };
}

export const { toBase64, fromBase64, toBase64Json } = base64Codec((globalThis as { Buffer?: NodeBuffer }).Buffer);

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
