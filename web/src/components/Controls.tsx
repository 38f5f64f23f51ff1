import { useEffect, useState } from 'preact/hooks';
import type { WindowBody } from '../api.js';
import type { Filter } from '../filter.js';
import { toInput } from '../time.js';

interface Props {
  filter: Filter;
  timeZone: string;
  timeWindow: WindowBody;
  onApply: (filter: Filter) => void;
  onRefresh: () => void;
}

const RANGES: [Filter['range'], string][] = [['1h', 'Last hour'], ['24h', 'Last 24 hours'], ['7d', 'Last 7 days'], ['custom', 'Custom']];

/** The filter form: VDN, window (presets or a custom range), interface, outcome. */
export function Controls({ filter, timeZone, timeWindow, onApply, onRefresh }: Props) {
  const [draft, setDraft] = useState(filter);
  useEffect(() => setDraft(filter), [filter]);
  const set = (patch: Partial<Filter>) => setDraft({ ...draft, ...patch });

  const submit = (event: Event) => {
    event.preventDefault();
    onApply({ ...draft, page: 1 });
  };

  return (
    <form class="card controls" onSubmit={submit}>
      <label>
        VDN
        <input name="vdn" inputMode="numeric" value={String(draft.vdn)} size={5}
          onInput={(e) => set({ vdn: Number(e.currentTarget.value) || draft.vdn })} />
      </label>
      <div class="ranges" role="group" aria-label="Window">
        {RANGES.map(([range, label]) => (
          <button type="button" class={draft.range === range ? 'chip active' : 'chip'} aria-pressed={draft.range === range}
            onClick={() => {
              const next = { ...draft, range, page: 1 };
              if (range === 'custom') {
                next.begin = toInput(draft.begin || timeWindow.beginTime);
                next.end = toInput(draft.end || timeWindow.endTime);
                setDraft(next);
              } else onApply(next);
            }}>
            {label}
          </button>
        ))}
      </div>
      {draft.range === 'custom' && (
        <span class="custom">
          <label>From <input name="begin" type="datetime-local" step={1} value={toInput(draft.begin)} onInput={(e) => set({ begin: e.currentTarget.value })} /></label>
          <label>To <input name="end" type="datetime-local" step={1} value={toInput(draft.end)} onInput={(e) => set({ end: e.currentTarget.value })} /></label>
          <span class="muted">({timeZone}, at most 7 days)</span>
        </span>
      )}
      <label>
        Interface
        <input name="url" placeholder="exact path, or a prefix ending in *" value={draft.url} size={40}
          onInput={(e) => set({ url: e.currentTarget.value.trim() })} />
      </label>
      <label>
        Outcome
        <select name="outcome" value={draft.outcome} onChange={(e) => set({ outcome: e.currentTarget.value as Filter['outcome'] })}>
          <option value="">all</option>
          <option value="success">success</option>
          <option value="failure">failure</option>
        </select>
      </label>
      <button type="submit">Apply</button>
      <button type="button" class="link" onClick={onRefresh}>Refresh</button>
    </form>
  );
}
