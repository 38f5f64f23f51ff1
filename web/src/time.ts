/**
 * Wall times in the server's zone (the interface reads beginTime/endTime there), with the
 * browser's Intl: no time-zone arithmetic by hand.
 */
export function wallTime(epochMs: number, timeZone: string): string {
  const parts = new Intl.DateTimeFormat('en-CA', {
    timeZone, year: 'numeric', month: '2-digit', day: '2-digit', hour: '2-digit', minute: '2-digit', second: '2-digit', hourCycle: 'h23',
  }).formatToParts(new Date(epochMs));
  const get = (type: string) => parts.find((p) => p.type === type)?.value ?? '00';
  return `${get('year')}-${get('month')}-${get('day')} ${get('hour')}:${get('minute')}:${get('second')}`;
}

/** Moves a wall time by whole seconds on the wall clock (so "7 days before" stays within the 7-day rule across DST). */
export function shiftWall(wall: string, seconds: number): string {
  const asUtc = Date.parse(wall.replace(' ', 'T') + 'Z');
  return new Date(asUtc + seconds * 1000).toISOString().slice(0, 19).replace('T', ' ');
}

export const WALL_TIME = /^\d{4}-\d{2}-\d{2} \d{2}:\d{2}:\d{2}$/;

/** `yyyy-MM-ddTHH:mm[:ss]` from a datetime-local input, as a wall time. */
export function fromInput(value: string): string {
  const text = value.replace('T', ' ');
  return text.length === 16 ? `${text}:00` : text;
}

export function toInput(wall: string): string {
  return wall.replace(' ', 'T');
}
