/**
 * Scanning JSON text without building values: for readers that need what JSON.parse hides (the
 * raw text of a number, a key given twice) or that see only a prefix of the text.
 */

const WHITESPACE = new Set([' ', '\t', '\n', '\r']);

export function skipWhitespace(text: string, i: number): number {
  while (i < text.length && WHITESPACE.has(text[i]!)) i += 1;
  return i;
}

const BACKSLASH = 0x5c;

/** Index just past the string starting at `start` (a `"`), or -1 when the text ends inside it. */
export function stringEnd(text: string, start: number): number {
  // indexOf finds each quote natively (a string's text is skipped, not walked); a quote after an
  // odd run of backslashes is escaped. The run cannot reach back past the opening quote.
  for (let quote = text.indexOf('"', start + 1); quote >= 0; quote = text.indexOf('"', quote + 1)) {
    let backslashes = 0;
    while (text.charCodeAt(quote - 1 - backslashes) === BACKSLASH) backslashes += 1;
    if (backslashes % 2 === 0) return quote + 1;
  }
  return -1;
}

const QUOTE = 0x22;

/** A string literal JSON.parse reads as the text between its quotes: no escape, quote or control character inside. */
function isPlainLiteral(literal: string): boolean {
  const last = literal.length - 1;
  if (last < 1 || literal.charCodeAt(0) !== QUOTE || literal.charCodeAt(last) !== QUOTE) return false;
  for (let i = 1; i < last; i += 1) {
    const c = literal.charCodeAt(i);
    if (c < 0x20 || c === QUOTE || c === BACKSLASH) return false;
  }
  return true;
}

/** The value of a string literal (quotes included), or undefined when it is not a whole one. */
export function decodeString(literal: string): string | undefined {
  if (isPlainLiteral(literal)) return literal.slice(1, -1);
  try {
    return JSON.parse(literal) as string;
  } catch {
    return undefined;
  }
}

/** The text of the number or literal (`true`, `null` …) starting at `start`, up to its delimiter. */
export function literalAt(text: string, start: number): string {
  let i = start;
  while (i < text.length && !WHITESPACE.has(text[i]!) && text[i] !== ',' && text[i] !== '}' && text[i] !== ']') i += 1;
  return text.slice(start, i);
}

export interface Member {
  /** The key, unescaped. */
  key: string;
  /** Index of the first character of the value. */
  valueStart: number;
  /** Which object of the text holds it (0, 1, … in order of their opening braces). */
  object: number;
}

/**
 * Every member of every object of a valid JSON text, at any depth, in text order. Iterative, so
 * nesting depth costs no stack. The text must be valid JSON (JSON.parse accepted it).
 */
export function* members(text: string): Generator<Member> {
  // One entry per open container: the object's number, or -1 for an array.
  const open: number[] = [];
  let objects = 0;
  let i = 0;
  while (i < text.length) {
    const c = text[i];
    if (c === '{') open.push(objects++);
    else if (c === '[') open.push(-1);
    else if (c === '}' || c === ']') open.pop();
    else if (c === '"') {
      const end = stringEnd(text, i);
      const colon = skipWhitespace(text, end);
      const object = open[open.length - 1] ?? -1;
      if (object >= 0 && text[colon] === ':') {
        // Valid JSON: a key without a backslash is its text as it stands.
        const raw = text.slice(i + 1, end - 1);
        yield { key: raw.includes('\\') ? (JSON.parse(text.slice(i, end)) as string) : raw, valueStart: skipWhitespace(text, colon + 1), object };
        i = colon + 1;
        continue;
      }
      i = end;
      continue;
    }
    i += 1;
  }
}
