import { InvalidArgumentError, Option } from 'commander';
import { DEFAULT_DB } from '../server/config.js';

/** `--db`, shared by every command that opens a store. */
export function dbOption(): Option {
  return new Option('--db <path|url>', 'SQLite database file, or postgres://user@host:port/db').env('CALLLOGS_DB').default(DEFAULT_DB);
}

export function parseInteger(min: number, max: number) {
  return (value: string): number => {
    if (!/^\d+$/.test(value)) throw new InvalidArgumentError(`must be an integer from ${min} to ${max}`);
    const n = Number(value);
    if (n < min || n > max) throw new InvalidArgumentError(`must be an integer from ${min} to ${max}`);
    return n;
  };
}

const DURATION_UNITS: Record<string, number> = { ms: 1, s: 1000, m: 60_000, h: 3_600_000 };

/** `900`, `900s`, `15m`, `1h`, `500ms` → milliseconds (a bare number is seconds). */
export function parseDuration(value: string): number {
  const m = /^(\d+)(ms|s|m|h)?$/.exec(value.trim());
  if (!m) throw new InvalidArgumentError('must be a duration such as 900, 900s, 15m or 1h');
  return Number(m[1]) * DURATION_UNITS[m[2] ?? 's']!;
}

const SIZE_UNITS: Record<string, number> = { b: 1, kb: 1024, mb: 1024 ** 2, gb: 1024 ** 3 };

/** `1048576`, `512kb`, `1mb` → bytes. */
export function parseSize(value: string): number {
  const m = /^(\d+)(b|kb|mb|gb)?$/i.exec(value.trim());
  if (!m || Number(m[1]) === 0) throw new InvalidArgumentError('must be a size such as 1048576, 512kb or 1mb');
  return Number(m[1]) * SIZE_UNITS[(m[2] ?? 'b').toLowerCase()]!;
}

/** Collects a repeatable option's values. */
export function collect<T>(parse: (value: string) => T) {
  return (value: string, previous: T[] = []): T[] => [...previous, parse(value)];
}

/** An http(s) URL argument; `example` shows the expected form in the error. */
export function parseHttpUrl(value: string, example: string): URL {
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    throw new InvalidArgumentError(`must be a URL such as ${example}`);
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') throw new InvalidArgumentError('must be an http:// or https:// URL');
  return url;
}
