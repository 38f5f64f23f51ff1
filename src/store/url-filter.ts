import type { UrlFilter } from '../contract/query.js';

/**
 * A url filter as a range on the stored url in code-point (UTF-8 byte) order, so an index on url
 * serves prefix matches too: `from <= url < to` holds exactly for the urls that start with a
 * prefix (`to` undefined: no upper bound). An exact filter is the degenerate range `[v, v]`.
 */
export interface UrlRange {
  exact: string | undefined;
  from: string;
  to: string | undefined;
}

export function urlRange(filter: UrlFilter): UrlRange {
  if (filter.kind === 'exact') return { exact: filter.value, from: filter.value, to: undefined };
  return { exact: undefined, from: filter.value, to: prefixUpperBound(filter.value) };
}

/** The least string greater than every string starting with `prefix`; undefined when there is none. */
export function prefixUpperBound(prefix: string): string | undefined {
  const codePoints = [...prefix].map((c) => c.codePointAt(0)!);
  while (codePoints.length > 0) {
    let next = codePoints.pop()! + 1;
    if (next === 0xd800) next = 0xe000; // surrogate code points never occur in stored text
    if (next <= 0x10ffff) return String.fromCodePoint(...codePoints, next);
  }
  return undefined;
}
