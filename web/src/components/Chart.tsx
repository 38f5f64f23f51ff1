import { useEffect, useRef } from 'preact/hooks';
import uPlot from 'uplot';
import type { StatsResult } from '../api.js';

interface Props {
  stats: StatsResult;
  timeZone: string;
}

/** Calls and failures per bucket (uPlot), the time axis in the server's zone. */
export function Chart({ stats, timeZone }: Props) {
  const box = useRef<HTMLDivElement>(null);
  useEffect(() => {
    const element = box.current!;
    const x = stats.buckets.map((b) => Date.parse(b.time) / 1000);
    const data: uPlot.AlignedData = [x, stats.buckets.map((b) => b.calls), stats.buckets.map((b) => b.failures)];
    const plot = new uPlot({
      width: Math.max(320, element.clientWidth),
      height: 240,
      tzDate: (ts) => uPlot.tzDate(new Date(ts * 1000), timeZone),
      scales: { x: { time: true }, y: { range: (_u, _min, max) => [0, Math.max(1, max)] } },
      series: [
        {},
        { label: 'calls', stroke: '#2563eb', fill: 'rgba(37, 99, 235, 0.12)', width: 2, paths: uPlot.paths.stepped!({ align: 1 }) },
        { label: 'failures', stroke: '#dc2626', fill: 'rgba(220, 38, 38, 0.15)', width: 2, paths: uPlot.paths.stepped!({ align: 1 }) },
      ],
      axes: [{}, { label: `per ${stats.bucketSeconds >= 3600 ? 'hour' : stats.bucketSeconds >= 300 ? '5 minutes' : 'minute'}` }],
    }, data, element);
    const resize = () => plot.setSize({ width: Math.max(320, element.clientWidth), height: 240 });
    addEventListener('resize', resize);
    return () => {
      removeEventListener('resize', resize);
      plot.destroy();
    };
  }, [stats, timeZone]);

  return (
    <div>
      <p class="totals">
        <strong data-testid="total-calls">{stats.total.calls.toLocaleString('en-US')}</strong> calls,{' '}
        <strong class="failures" data-testid="total-failures">{stats.total.failures.toLocaleString('en-US')}</strong> failed
      </p>
      <div ref={box} class="chart" data-testid="chart" />
    </div>
  );
}
