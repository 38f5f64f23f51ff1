import { parseJsonText } from './body.js';

/**
 * JSON values of request bodies parsed whole, by their bytes: a forwarded call's VDN reading parses
 * its body, and the call's record takes that value (`parsedJsonOf`) instead of parsing it again (a
 * 64 KiB body: ~0.4 ms). Not part of the package's exports.
 */
const parsedBodies = new WeakMap<Uint8Array, unknown>();

/** `parseJsonText` of a body's text, remembered for its bytes. */
export function parseJsonBodyText(body: Uint8Array, text: string): unknown {
  const value = parseJsonText(text);
  parsedBodies.set(body, value);
  return value;
}

/** The JSON value these bytes were parsed to, or undefined when they were not. */
export function parsedJsonOf(body: Uint8Array): unknown {
  return parsedBodies.get(body);
}
