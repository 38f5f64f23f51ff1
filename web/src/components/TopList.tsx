export interface TopRow {
  /** What the row is about (an interface, an access key); picking it filters on it. */
  name: string;
  calls: number;
  failures: number;
}

interface Props {
  title: string;
  rows: TopRow[];
  measure: 'calls' | 'failures';
  empty: string;
  /** Shown on a row's button: what picking it does. */
  pickHint: (name: string) => string;
  onPick: (name: string) => void;
  testId: string;
}

/** Rows ranked by calls or failures, with a bar and both numbers; picking one filters the view. */
export function TopList({ title, rows, measure, empty, pickHint, onPick, testId }: Props) {
  const max = Math.max(1, ...rows.map((r) => r[measure]));
  return (
    <section class="card top" data-testid={testId}>
      <h2>{title}</h2>
      {rows.length === 0 ? (
        <p class="muted">{empty}</p>
      ) : (
        <ol>
          {rows.map((r) => (
            <li key={r.name}>
              <button class="link name" title={pickHint(r.name)} onClick={() => onPick(r.name)}>{r.name}</button>
              <span class={`bar ${measure}`} style={{ width: `${(r[measure] / max) * 100}%` }} />
              <span class="n" title={`${r.calls.toLocaleString('en-US')} calls, ${r.failures.toLocaleString('en-US')} failed`}>
                {r[measure].toLocaleString('en-US')}
                {measure === 'calls' && r.failures > 0 && <span class="failed-n"> ({r.failures.toLocaleString('en-US')} failed)</span>}
              </span>
            </li>
          ))}
        </ol>
      )}
    </section>
  );
}
