import { SUCCESS_CODE } from './codes.js';
import type { TimeWindow } from './query.js';
import { errorBody, type ErrorBody } from './response.js';
import { formatOperTime } from './time.js';

/**
 * Our extension `POST .../campaigns/{vdnId}/calllogs/stats`: calls and failures per time bucket and
 * the busiest and most failing interfaces, access keys and result codes over a calllogs window
 * (same body rules and filters, no paging).
 */
export const STATS_SUCCESS_DESC = 'queryCalllogsStats success';
/** Rows of each top list. */
export const TOP_ROWS = 10;

const MINUTE = 60_000;
const HOUR = 60 * MINUTE;

/**
 * Bucket size from the window: 1 minute up to 2 hours, 5 minutes up to 3 hours (both counted from
 * the records: ≤ ~12,000 of them for the busiest VDN of the 10M benchmark store, ~10 ms), else
 * 1 hour from the count structures (≤ 169 buckets, ≤ 4 ms).
 */
export function statsBucketMs(window: TimeWindow): number {
  const span = window.toMs - window.fromMs;
  if (span <= 2 * HOUR + 1000) return MINUTE;
  if (span <= 3 * HOUR + 1000) return 5 * MINUTE;
  return HOUR;
}

export interface CallCounts {
  calls: number;
  failures: number;
}

/**
 * Call durations of a bucket (nearest rank: the smallest duration with at least 50 / 95 / 99 % of
 * the bucket's calls at or below it); null when no call of the bucket has a duration. Whole hours
 * come from histograms within 2 % of the exact value; shorter buckets are exact.
 */
export interface Percentiles {
  p50Ms: number | null;
  p95Ms: number | null;
  p99Ms: number | null;
}

export interface StatsBucket extends CallCounts, Percentiles {
  /** The bucket's start, as `operTime` is written (UTC). */
  time: string;
}

export interface InterfaceCounts extends CallCounts {
  url: string;
}

export interface AccessKeyCounts extends CallCounts {
  ak: string;
}

export interface ResultCodeCounts extends CallCounts {
  resultCode: string;
}

export interface StatsResult {
  bucketSeconds: number;
  buckets: StatsBucket[];
  total: CallCounts;
  /** At most TOP_ROWS, most calls first. */
  topByCalls: InterfaceCounts[];
  /** At most TOP_ROWS with at least one failure, most failures first. */
  topByFailures: InterfaceCounts[];
  /** At most TOP_ROWS access keys, most calls first (calls without a verified key are not listed). */
  topByAk: AccessKeyCounts[];
  /** At most TOP_ROWS result codes, most calls first. */
  topByResultCode: ResultCodeCounts[];
}

export interface StatsResponseBody extends ErrorBody {
  result: StatsResult;
}

const byText = (a: string, b: string) => (a < b ? -1 : a > b ? 1 : 0);
const byUrl = (a: InterfaceCounts, b: InterfaceCounts) => byText(a.url, b.url);

export function statsResponseBody(
  bucketMs: number,
  buckets: (CallCounts & Percentiles & { start: number })[],
  urls: InterfaceCounts[],
  aks: AccessKeyCounts[],
  resultCodes: ResultCodeCounts[],
): StatsResponseBody {
  const total = urls.reduce((t, u) => ({ calls: t.calls + u.calls, failures: t.failures + u.failures }), { calls: 0, failures: 0 });
  return {
    result: {
      bucketSeconds: bucketMs / 1000,
      buckets: buckets.map((b) => ({ time: formatOperTime(b.start), calls: b.calls, failures: b.failures, p50Ms: b.p50Ms, p95Ms: b.p95Ms, p99Ms: b.p99Ms })),
      total,
      topByCalls: [...urls].sort((a, b) => b.calls - a.calls || byUrl(a, b)).slice(0, TOP_ROWS),
      topByFailures: urls.filter((u) => u.failures > 0).sort((a, b) => b.failures - a.failures || byUrl(a, b)).slice(0, TOP_ROWS),
      topByAk: [...aks].sort((a, b) => b.calls - a.calls || byText(a.ak, b.ak)).slice(0, TOP_ROWS),
      topByResultCode: [...resultCodes].sort((a, b) => b.calls - a.calls || byText(a.resultCode, b.resultCode)).slice(0, TOP_ROWS),
    },
    ...errorBody(SUCCESS_CODE, STATS_SUCCESS_DESC),
  };
}
