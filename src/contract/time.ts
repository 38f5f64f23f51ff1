import { Temporal } from 'temporal-polyfill';

/** A `yyyy-MM-dd HH:mm:ss` wall-clock time, already checked to be a real calendar time. */
export type WallTime = Temporal.PlainDateTime;

const WALL_TIME = /^(\d{4})-(\d{2})-(\d{2}) (\d{2}):(\d{2}):(\d{2})$/;

/** Parses `yyyy-MM-dd HH:mm:ss`; `undefined` when the text is not that format or not a real time. */
export function parseWallTime(text: string): WallTime | undefined {
  const m = WALL_TIME.exec(text);
  if (!m) return undefined;
  const [, year, month, day, hour, minute, second] = m.map(Number) as number[];
  try {
    return Temporal.PlainDateTime.from(
      { year: year!, month: month!, day: day!, hour: hour!, minute: minute!, second: second! },
      { overflow: 'reject' },
    );
  } catch {
    return undefined;
  }
}

/**
 * The instant a wall time denotes in `zone`. A time skipped by a DST change moves forward by the
 * gap and a repeated one takes the earlier offset, as java.time does (Temporal's 'compatible').
 */
export function wallTimeToEpochMs(wall: WallTime, zone: string): number {
  return wall.toZonedDateTime(zone, { disambiguation: 'compatible' }).epochMilliseconds;
}

/** Seconds from `a` to `b` on the wall clock (a DST change inside the window does not count). */
export function wallSecondsBetween(a: WallTime, b: WallTime): number {
  return a.until(b, { largestUnit: 'second' }).seconds;
}

const THIRTY_DAY_MONTHS = [4, 6, 9, 11];

function daysInMonth(year: number, month: number): number {
  return month === 2 ? (year % 4 === 0 && (year % 100 !== 0 || year % 400 === 0) ? 29 : 28) : THIRTY_DAY_MONTHS.includes(month) ? 30 : 31;
}

/** `count` ASCII digits of `text` from `start` as a number; NaN if any is not a digit. */
function digitsAt(text: string, start: number, count: number): number {
  let value = 0;
  for (let i = start; i < start + count; i++) {
    const digit = text.charCodeAt(i) - 48;
    if (digit < 0 || digit > 9) return NaN;
    value = value * 10 + digit;
  }
  return value;
}

/** Where `yyyy-MM-ddTHH:mm:ss.SSS+00:00` (formatOperTime's form) has its separators and its fields. */
const OPER_TIME_SEPARATORS: [number, string][] = [[4, '-'], [7, '-'], [10, 'T'], [13, ':'], [16, ':'], [19, '.']];
const OPER_TIME_FIELDS: [number, number][] = [[0, 4], [5, 2], [8, 2], [11, 2], [14, 2], [17, 2], [20, 3]];

/** The epoch milliseconds of a real time in formatOperTime's form; undefined for anything else. */
function parseOperTimeForm(text: string): number | undefined {
  if (text.length !== 29 || !text.endsWith('+00:00') || OPER_TIME_SEPARATORS.some(([at, char]) => text[at] !== char)) return undefined;
  const [year, month, day, hour, minute, second, millis] = OPER_TIME_FIELDS
    .map(([start, count]) => digitsAt(text, start, count)) as [number, number, number, number, number, number, number];
  // A field that is not digits is NaN and fails every comparison. Date.UTC reads years 0–99 as
  // 1900–1999: those are left to Temporal.
  const real = year >= 100 && month >= 1 && month <= 12 && day >= 1 && day <= daysInMonth(year, month)
    && hour <= 23 && minute <= 59 && second <= 59 && millis >= 0;
  return real ? Date.UTC(year, month - 1, day, hour, minute, second, millis) : undefined;
}

/** Renders an instant as the contract's `operTime`: UTC, `yyyy-MM-ddTHH:mm:ss.SSS+00:00`. */
export function formatOperTime(epochMs: number): string {
  return new Date(epochMs).toISOString().replace('Z', '+00:00');
}

/**
 * Parses an ISO-8601 instant with an explicit offset (`2022-08-19T14:18:31.000+00:00`, `...Z`) to
 * epoch milliseconds; `undefined` when it is not one.
 */
export function parseInstant(text: string): number | undefined {
  // The form operTime is written in, read without Temporal: an import or a verify reads millions.
  const fast = parseOperTimeForm(text);
  if (fast !== undefined) return fast;
  try {
    return Temporal.Instant.from(text).epochMilliseconds;
  } catch {
    return undefined;
  }
}

export function isValidTimeZone(zone: string): boolean {
  try {
    Temporal.Now.zonedDateTimeISO(zone);
    return true;
  } catch {
    return false;
  }
}

/** The process's own IANA zone, the default for reading `beginTime` / `endTime`. */
export function processTimeZone(): string {
  return Temporal.Now.timeZoneId();
}

/** The wall-clock second an instant falls in, in `zone`. */
export function epochMsToWallTime(epochMs: number, zone: string): WallTime {
  return Temporal.Instant.fromEpochMilliseconds(epochMs).toZonedDateTimeISO(zone).toPlainDateTime()
    .with({ millisecond: 0, microsecond: 0, nanosecond: 0 });
}

/** `yyyy-MM-dd HH:mm:ss` */
export function formatWallTime(wall: WallTime): string {
  return wall.toString({ smallestUnit: 'second' }).replace('T', ' ');
}

/**
 * A time given by a person or a program: `yyyy-MM-dd HH:mm:ss` read in `zone`, or an ISO-8601
 * instant with an offset. Epoch milliseconds; `undefined` when it is neither.
 */
export function parseTimeInput(text: string, zone: string): number | undefined {
  const wall = parseWallTime(text);
  return wall ? wallTimeToEpochMs(wall, zone) : parseInstant(text);
}

export function compareWallTimes(a: WallTime, b: WallTime): number {
  return Temporal.PlainDateTime.compare(a, b);
}
