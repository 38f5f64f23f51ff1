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
const QUANTILES = [['p50Ms', 50], ['p95Ms', 95], ['p99Ms', 99]] as const;

/**
 * Nearest-rank percentiles of values sorted ascending, the i-th weighing `weights[i]` (1 each when
 * absent): the smallest value with at least p % of the weight at or below it. Integer ranks.
 */
function nearestRank(sorted: ArrayLike<number>, weights?: ArrayLike<number>): Percentiles {
  let total = 0;
  for (let i = 0; i < sorted.length; i++) total += weights ? weights[i]! : 1;
  if (total === 0) return NO_PERCENTILES;
  const p = { ...NO_PERCENTILES };
  for (const [name, pct] of QUANTILES) {
    const wanted = Math.max(1, Math.ceil((pct * total) / 100));
    let seen = 0;
    for (let i = 0; i < sorted.length; i++) {
      seen += weights ? weights[i]! : 1;
      if (seen >= wanted) {
        p[name] = sorted[i]!;
        break;
      }
    }
  }
  return p;
}

/** Exact percentiles of durations in any order. */
export function exactPercentiles(durations: readonly number[]): Percentiles {
  return nearestRank(Float64Array.from(durations).sort());
}

/** Percentiles of a histogram (bin → count), each within RELATIVE_ERROR of the exact one. */
export function histogramPercentiles(counts: ReadonlyMap<number, number>): Percentiles {
  const bins = [...counts].filter(([, n]) => n > 0).sort((a, b) => a[0] - b[0]);
  return nearestRank(bins.map(([bin]) => binValue(bin)), bins.map(([, n]) => n));
}

/**
 * A histogram as `histogramBinsSql` hands it over: "bin n bin n …" (one short row per hour rather
 * than a row per bin, which costs more to carry out of the driver than to compute).
 */
export function parseBins(text: string): Map<number, number> {
  const parts = text.split(' ');
  const counts = new Map<number, number>();
  for (let i = 0; i + 1 < parts.length; i += 2) counts.set(Number(parts[i]), Number(parts[i + 1]));
  return counts;
}
