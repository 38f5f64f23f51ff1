/**
 * The result of a forwarded call, read from the upstream's JSON answer (contract.md §3):
 * `resultCode`, else `returnCode`, else `result`; `resultDesc`, else `returnDesc`, else
 * `description`, else `message`. Only top-level scalar fields count (a `result` array of records
 * is not a code). The gateway reads at most a capped prefix of the body, so the reader is a
 * tolerant scanner: it takes what it finds before the text ends and never needs the rest.
 */
import { decodeString, literalAt, skipWhitespace, stringEnd } from '../contract/json-scan.js';

export const RESULT_PREFIX_BYTES = 64 * 1024;

const CODE_FIELDS = ['resultCode', 'returnCode', 'result'] as const;
const DESC_FIELDS = ['resultDesc', 'returnDesc', 'description', 'message'] as const;
const WANTED = new Set<string>([...CODE_FIELDS, ...DESC_FIELDS]);

export interface ExtractedResult {
  code: string;
  desc: string;
}

/** `undefined` when the text names no code and no description (not JSON, or no such field). */
export function extractResult(text: string): ExtractedResult | undefined {
  const found = scanTopLevelScalars(text);
  const code = CODE_FIELDS.map((f) => found.get(f)).find((v) => v !== undefined);
  const desc = DESC_FIELDS.map((f) => found.get(f)).find((v) => v !== undefined);
  if (code === undefined && desc === undefined) return undefined;
  return { code: code ?? '', desc: desc ?? '' };
}

/**
 * Top-level string and number fields of a JSON object named in WANTED, first occurrence each. Once
 * `resultCode` and `resultDesc` are both found no later field can change the result: the scan stops
 * there, before the answer's data (which vendors put after them).
 */
function scanTopLevelScalars(text: string): Map<string, string> {
  const found = new Map<string, string>();
  let i = skipWhitespace(text, 0);
  if (text[i] !== '{') return found;
  i += 1;
  for (;;) {
    i = skipWhitespace(text, i);
    if (text[i] !== '"') return found;
    const keyEnd = stringEnd(text, i);
    if (keyEnd < 0) return found;
    const key = decodeString(text.slice(i, keyEnd));
    i = skipWhitespace(text, keyEnd);
    if (text[i] !== ':') return found;
    i = skipWhitespace(text, i + 1);
    const valueEnd = valueEndAt(text, i);
    if (valueEnd < 0) return found;
    if (key !== undefined && WANTED.has(key) && !found.has(key)) {
      const scalar = scalarText(text.slice(i, valueEnd));
      if (scalar !== undefined) found.set(key, scalar);
      if (found.has(CODE_FIELDS[0]) && found.has(DESC_FIELDS[0])) return found;
    }
    i = skipWhitespace(text, valueEnd);
    if (text[i] !== ',') return found;
    i += 1;
  }
}



/** Index just past the value starting at `start`, or -1 when the text ends inside it. */
function valueEndAt(text: string, start: number): number {
  const first = text[start];
  if (first === '"') return stringEnd(text, start);
  if (first === '{' || first === '[') {
    let depth = 0;
    for (let i = start; i < text.length; i += 1) {
      const c = text[i];
      if (c === '"') {
        const end = stringEnd(text, i);
        if (end < 0) return -1;
        i = end - 1;
      } else if (c === '{' || c === '[') depth += 1;
      else if (c === '}' || c === ']') {
        depth -= 1;
        if (depth === 0) return i + 1;
      }
    }
    return -1;
  }
  const end = start + literalAt(text, start).length;
  // A number cut by the end of the prefix may be missing digits.
  return end < text.length && end > start ? end : -1;
}

function scalarText(literal: string): string | undefined {
  if (literal.startsWith('"')) return decodeString(literal);
  return /^-?\d+(\.\d+)?([eE][+-]?\d+)?$/.test(literal) ? literal : undefined;
}
