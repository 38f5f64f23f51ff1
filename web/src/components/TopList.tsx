import type { StatsResult } from '../api.js';

interface Props {
  title: string;
  rows: StatsResult['topByCalls'];
  measure: 'calls' | 'failures';
  onPick: (url: string) => void;
}

/** Interfaces ranked by calls or failures, with a bar; picking one filters the table. */
export function TopList({ title, rows, measure, onPick }: Props) {
  const max = Math.max(1, ...rows.map((r) => r[measure]));
  return (
    <section class="card top">
      <h2>{title}</h2>
      {rows.length === 0 ? (
        <p class="muted">{measure === 'failures' ? 'No failures in this window.' : 'No calls in this window.'}</p>
      ) : (
        <ol>
          {rows.map((r) => (
            <li key={r.url}>
              <button class="link url" title={`Show ${r.url}`} onClick={() => onPick(r.url)}>{r.url}</button>
              <span class={`bar ${measure}`} style={{ width: `${(r[measure] / max) * 100}%` }} />
              <span class="n">{r[measure].toLocaleString('en-US')}</span>
            </li>
          ))}
        </ol>
      )}
    </section>
  );
}
