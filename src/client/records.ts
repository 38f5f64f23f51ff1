import { compareWallTimes, epochMsToWallTime, formatWallTime, parseInstant, wallTimeToEpochMs, type WallTime } from '../contract/time.js';
import type { OpenapiLog } from '../contract/record.js';
import type { QueryResponseBody } from '../contract/response.js';
import type { FilterParams } from './filters.js';

export const PAGE_SIZE = 100;

export interface RecordsParams extends FilterParams {
  vdnId: number;
  /** First instant of the range (its whole second is included). */
  from: Date;
  /** Last instant of the range (its whole second is included). */
  to: Date;
  signal?: AbortSignal;
}

type PageFetcher = (params: FilterParams & { vdnId: number; offset: number; limit: number; beginTime: string; endTime: string }) =>
  Promise<QueryResponseBody>;

/** Newest first, as the interface orders: `operTime` descending, then `id` descending. */
function isOlder(record: OpenapiLog, than: { time: number; id: string }): boolean {
  const time = parseInstant(record.operTime)!;
  return time < than.time || (time === than.time && record.id < than.id);
}

/**
 * Every record of a range of any length, newest first, each exactly once.
 *
 * The range is read through windows of at most 6 days 23 hours (within the interface's 7 days
 * however the server counts a DST change). Rather than deep offsets, each next page is anchored at
 * the wall-clock second of the last record yielded: the window ends at that second and the offset
 * skips only the records already yielded within it. Only records strictly older than the last one
 * yielded are yielded, so records arriving during the iteration, wherever they land, can cause a
 * page to be re-read but never a record to be repeated or skipped. Where a second is ambiguous (a
 * DST fall-back hour in the server's zone) the iterator pages by offset inside the window instead.
 */
export async function* iterateRecords(fetchPage: PageFetcher, params: RecordsParams, timeZone: string): AsyncGenerator<OpenapiLog> {
  const { vdnId, from, to, signal, ...filters } = params;
  const first = epochMsToWallTime(from.getTime(), timeZone);
  let end: WallTime = epochMsToWallTime(to.getTime(), timeZone);
  let offset = 0;
  let last: { time: number; id: string } | undefined;
  let yieldedInLastSecond = 0;

  while (compareWallTimes(end, first) >= 0) {
    signal?.throwIfAborted();
    const span = end.subtract({ days: 6, hours: 23 });
    const begin = compareWallTimes(span, first) > 0 ? span : first;
    const page = await fetchPage({ ...filters, vdnId, offset, limit: PAGE_SIZE, beginTime: formatWallTime(begin), endTime: formatWallTime(end) });
    let fresh = 0;
    for (const record of page.result) {
      if (last && !isOlder(record, last)) continue;
      const time = parseInstant(record.operTime)!;
      yieldedInLastSecond = last && Math.floor(last.time / 1000) === Math.floor(time / 1000) ? yieldedInLastSecond + 1 : 1;
      last = { time, id: record.id };
      fresh += 1;
      yield record;
    }
    if (page.result.length < PAGE_SIZE) {
      end = begin.subtract({ seconds: 1 });
      offset = 0;
      continue;
    }
    const anchor = last && epochMsToWallTime(last.time, timeZone);
    if (fresh > 0 && anchor && wallTimeToEpochMs(anchor, timeZone) === Math.floor(last!.time / 1000) * 1000) {
      end = anchor;
      offset = yieldedInLastSecond;
    } else {
      offset += page.result.length;
    }
  }
}

