import type { Percentiles } from '../contract/stats.js';

/**
 * Call durations per hour as a mergeable histogram (DDSketch-style): a duration d > 0 falls in bin
 * ceil(log_γ d), and a bin stands for 2γ^i / (γ + 1), within RELATIVE_ERROR of every duration in
 * it; durations under MIN_MS (0 included) share ZERO_BIN, standing for 0. Percentiles of whole hours
 * come from these counts; of partial hours and short windows, from the records themselves (exact).
 */
export const RELATIVE_ERROR = 0.02;
const GAMMA = (1 + RELATIVE_ERROR) / (1 - RELATIVE_ERROR);
const LN_GAMMA = Math.log(GAMMA);
/** Durations are recorded to the microsecond. */
const MIN_MS = 0.001;
export const ZERO_BIN = -100_000;

/** The bin of `duration_ms` in SQL (both stores have ln and ceil). */
export const LATENCY_BIN_SQL = `CASE WHEN duration_ms < ${MIN_MS} THEN ${ZERO_BIN} ELSE CAST(ceil(ln(duration_ms) / ${LN_GAMMA}) AS INTEGER) END`;

export function binValue(bin: number): number {
  return bin === ZERO_BIN ? 0 : (2 * GAMMA ** bin) / (GAMMA + 1);
}

export const NO_PERCENTILES: Percentiles = { p50Ms: null, p95Ms: null, p99Ms: null };
const QUANTILES = [['p50Ms', 0.5], ['p95Ms', 0.95], ['p99Ms', 0.99]] as const;

/** The nearest-rank percentile: the smallest value with at least q of all at or below it. */
const rank = (q: number, n: number): number => Math.max(1, Math.ceil(q * n));

/** Percentiles of durations sorted ascending (exact). */
export function exactPercentiles(sorted: readonly number[]): Percentiles {
  if (sorted.length === 0) return NO_PERCENTILES;
  const p = { ...NO_PERCENTILES };
  for (const [name, q] of QUANTILES) p[name] = sorted[rank(q, sorted.length) - 1]!;
  return p;
}

/** Percentiles of a histogram (bin → count), each within RELATIVE_ERROR of the exact one. */
export function histogramPercentiles(counts: ReadonlyMap<number, number>): Percentiles {
  const bins = [...counts].filter(([, n]) => n > 0).sort((a, b) => a[0] - b[0]);
  const total = bins.reduce((sum, [, n]) => sum + n, 0);
  if (total === 0) return NO_PERCENTILES;
  const p = { ...NO_PERCENTILES };
  for (const [name, q] of QUANTILES) {
    const wanted = rank(q, total);
    let seen = 0;
    for (const [bin, n] of bins) {
      seen += n;
      if (seen >= wanted) {
        p[name] = binValue(bin);
        break;
      }
    }
  }
  return p;
}
