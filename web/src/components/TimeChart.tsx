import { useEffect, useRef } from 'preact/hooks';
import uPlot from 'uplot';
import type { StatsResult } from '../api.js';

export interface Series {
  label: string;
  color: string;
  /** One value per bucket; null leaves a gap (a bucket without calls has no latency). */
  values: (number | null)[];
  /** Filled under the line (counts), or a plain line (latencies). */
  fill?: string;
}

interface Props {
  stats: StatsResult;
  timeZone: string;
  series: Series[];
  /** The y axis, e.g. "calls per hour". */
  axis: string;
  testId: string;
}

const HEIGHT = 220;

/** One value per stats bucket over time (uPlot, stepped), the time axis in the server's zone. */
export function TimeChart({ stats, timeZone, series, axis, testId }: Props) {
  const box = useRef<HTMLDivElement>(null);
  useEffect(() => {
    const element = box.current!;
    const data: uPlot.AlignedData = [stats.buckets.map((b) => Date.parse(b.time) / 1000), ...series.map((s) => s.values)];
    const plot = new uPlot({
      width: Math.max(280, element.clientWidth),
      height: HEIGHT,
      tzDate: (ts) => uPlot.tzDate(new Date(ts * 1000), timeZone),
      scales: { x: { time: true }, y: { range: (_u, _min, max) => [0, Math.max(1, max)] } },
      series: [
        {},
        ...series.map((s) => ({ label: s.label, stroke: s.color, fill: s.fill, width: 2, spanGaps: false, paths: uPlot.paths.stepped!({ align: 1 }) })),
      ],
      axes: [{}, { label: axis }],
    }, data, element);
    const resize = () => plot.setSize({ width: Math.max(280, element.clientWidth), height: HEIGHT });
    addEventListener('resize', resize);
    return () => {
      removeEventListener('resize', resize);
      plot.destroy();
    };
  }, [stats, timeZone]);
  return <div ref={box} class="chart" data-testid={testId} />;
}

/** "per hour", "per 5 minutes", "per minute". */
export function perBucket(stats: StatsResult): string {
  return `per ${stats.bucketSeconds >= 3600 ? 'hour' : stats.bucketSeconds >= 300 ? '5 minutes' : 'minute'}`;
}
