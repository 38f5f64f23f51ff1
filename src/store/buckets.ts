import { isFailure } from '../contract/outcome.js';
import type { CallRecord } from '../contract/record.js';
import { NO_VDN } from './types.js';

/**
 * Count structures that make a window's count and any offset cheap on both stores. Each store
 * keeps `record_counts (vdn, bucket, url, n, failures)`: how many records (and failed calls) of a
 * VDN and url were received in each hour (`bucket` = the hour's first millisecond), plus a total row per VDN and hour under the
 * url `''` (no recorded url is empty). They change in the same transaction as the records.
 *
 * A window's count is then the sum of the whole hours inside it plus a direct count of the two
 * partial hours at its edges; a page at offset k is read by walking the hours from the newest end
 * until the k-th record's hour, and skipping only inside that hour.
 */
export const BUCKET_MS = 3_600_000;
export const DAY_MS = 86_400_000;
export const TOTAL_URL = '';

export function bucketOf(epochMs: number): number {
  return Math.floor(epochMs / BUCKET_MS) * BUCKET_MS;
}

export interface CountDelta {
  vdn: number;
  bucket: number;
  url: string;
  n: number;
  failures: number;
}

type Countable = Pick<CallRecord, 'vdnId' | 'operTime' | 'url' | 'httpStatus' | 'resultCode'>;

/**
 * How `record_counts` changes as records are added (`sign` 1) or removed (-1), summed per VDN,
 * hour and url: a batch's deltas, or a whole import's (flushed whenever it holds many keys).
 */
export class CountAccumulator {
  /** By hour and VDN (one number: hour × 10,000 + VDN), then by url. */
  private readonly deltas = new Map<number, Map<string, CountDelta>>();
  private keys = 0;

  /** Distinct (VDN, hour, url) keys held. */
  get size(): number {
    return this.keys;
  }

  add(records: Iterable<Countable>, sign: 1 | -1 = 1): this {
    for (const r of records) {
      const vdn = r.vdnId ?? NO_VDN;
      const bucket = bucketOf(r.operTime);
      const failed = isFailure(r) ? sign : 0;
      const key = (bucket / BUCKET_MS) * 10_000 + vdn;
      let urls = this.deltas.get(key);
      if (!urls) this.deltas.set(key, (urls = new Map()));
      this.count(urls, vdn, bucket, r.url, sign, failed);
      this.count(urls, vdn, bucket, TOTAL_URL, sign, failed);
    }
    return this;
  }

  /** The deltas, and an empty accumulator. A fixed order keeps concurrent writers from locking the same rows in opposite orders. */
  take(): CountDelta[] {
    const out: CountDelta[] = [];
    for (const urls of this.deltas.values()) out.push(...urls.values());
    this.deltas.clear();
    this.keys = 0;
    return out.sort((a, b) => a.bucket - b.bucket || a.vdn - b.vdn || (a.url < b.url ? -1 : a.url > b.url ? 1 : 0));
  }

  private count(urls: Map<string, CountDelta>, vdn: number, bucket: number, url: string, n: number, failures: number): void {
    const d = urls.get(url);
    if (d) {
      d.n += n;
      d.failures += failures;
    } else {
      urls.set(url, { vdn, bucket, url, n, failures });
      this.keys += 1;
    }
  }
}

/** How `record_counts` changes when these records are added (`sign` 1) or removed (-1). */
export function countDeltas(records: Iterable<Countable>, sign: 1 | -1 = 1): CountDelta[] {
  return new CountAccumulator().add(records, sign).take();
}

/** A window cut into whole hours `[firstFull, lastFullEnd)` and its two partial-hour edges. */
export interface HourSplit {
  firstFull: number;
  lastFullEnd: number;
}

/** `undefined` when the window holds no whole hour (it is then counted directly). */
export function hourSplit(fromMs: number, toMs: number): HourSplit | undefined {
  const firstFull = Math.ceil(fromMs / BUCKET_MS) * BUCKET_MS;
  const lastFullEnd = bucketOf(toMs);
  return firstFull < lastFullEnd ? { firstFull, lastFullEnd } : undefined;
}

/** What a store counts for a split window (each for the query's VDN and url filter). */
export interface WindowCounts {
  /** Records in `[lastFullEnd, toMs)`. */
  newestEdge: number;
  /** Per whole hour, newest first (hours without records may be absent). */
  hours: { bucket: number; n: number }[];
  /** Records in `[fromMs, firstFull)`. */
  oldestEdge: number;
}

/** Where to read a page: newest first below `toMs`, skipping `offset` records. */
export interface Seek {
  count: number;
  toMs: number;
  offset: number;
}

/**
 * The window's exact count and the narrowest upper bound from which the record at `offset` is
 * reached by skipping within one hour at most.
 */
export function locate(offset: number, toMs: number, split: HourSplit, counts: WindowCounts): Seek {
  const count = counts.newestEdge + counts.hours.reduce((sum, h) => sum + h.n, 0) + counts.oldestEdge;
  let before = counts.newestEdge;
  if (offset < before) return { count, toMs, offset };
  for (const { bucket, n } of counts.hours) {
    if (offset < before + n) return { count, toMs: bucket + BUCKET_MS, offset: offset - before };
    before += n;
  }
  return { count, toMs: split.firstFull, offset: offset - before };
}
