import { useEffect, useState } from 'preact/hooks';
import type { WindowBody } from '../api.js';
import { hasRecordFilter, METHODS, NO_RECORD_FILTER, splitList, type Filter } from '../filter.js';
import { toInput } from '../time.js';

interface Props {
  filter: Filter;
  timeZone: string;
  timeWindow: WindowBody;
  /** Access keys and result codes of the window (from its stats), offered as values. */
  suggestions: { aks: string[]; resultCodes: string[] };
  onApply: (filter: Filter) => void;
  onRefresh: () => void;
}

const RANGES: [Filter['range'], string][] = [['1h', 'Last hour'], ['24h', 'Last 24 hours'], ['7d', 'Last 7 days'], ['custom', 'Custom']];

/** The list fields as typed: comma-separated text, read when the form is applied. */
interface ListTexts {
  ak: string;
  resultCode: string;
  httpStatus: string;
}

const textsOf = (f: Filter): ListTexts => ({ ak: f.ak.join(', '), resultCode: f.resultCode.join(', '), httpStatus: f.httpStatus.join(', ') });

/** The list fields read back, or what is wrong with them (said before anything is asked). */
function readLists(texts: ListTexts): { lists: Pick<Filter, 'ak' | 'resultCode' | 'httpStatus'> } | { problem: string } {
  const statuses = splitList(texts.httpStatus);
  const bad = statuses.find((s) => !/^[1-5]\d\d$/.test(s));
  if (bad !== undefined) return { problem: `HTTP status: "${bad}" is not a status from 100 to 599` };
  return { lists: { ak: splitList(texts.ak), resultCode: splitList(texts.resultCode), httpStatus: statuses.map(Number) } };
}

/** The filter form: VDN, window (presets or a custom range), interface, outcome, and the record filters. */
export function Controls({ filter, timeZone, timeWindow, suggestions, onApply, onRefresh }: Props) {
  const [draft, setDraft] = useState(filter);
  const [texts, setTexts] = useState(() => textsOf(filter));
  const [problem, setProblem] = useState<string>();
  useEffect(() => {
    setDraft(filter);
    setTexts(textsOf(filter));
    setProblem(undefined);
  }, [filter]);
  const set = (patch: Partial<Filter>) => setDraft({ ...draft, ...patch });
  const setText = (patch: Partial<ListTexts>) => setTexts({ ...texts, ...patch });

  const apply = (next: Filter, lists = texts) => {
    const read = readLists(lists);
    if ('problem' in read) return setProblem(read.problem);
    setProblem(undefined);
    onApply({ ...next, ...read.lists, page: 1 });
  };
  const submit = (event: Event) => {
    event.preventDefault();
    apply(draft);
  };
  const toggleMethod = (method: string) =>
    set({ type: draft.type.includes(method) ? draft.type.filter((m) => m !== method) : [...draft.type, method] });

  return (
    <form class="card controls" onSubmit={submit}>
      <div class="row">
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
                } else apply(next);
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
      </div>
      <div class="row" role="group" aria-label="Record filters">
        <label title="The verified access key of the call; several separated by commas">
          Access key
          <input name="byAk" list="ak-options" placeholder="any" size={16} value={texts.ak} onInput={(e) => setText({ ak: e.currentTarget.value })} />
        </label>
        <datalist id="ak-options">{suggestions.aks.map((ak) => <option key={ak} value={ak} />)}</datalist>
        <label title="Exact result codes, separated by commas">
          Result code
          <input name="resultCode" list="code-options" placeholder="any" size={10} value={texts.resultCode} onInput={(e) => setText({ resultCode: e.currentTarget.value })} />
        </label>
        <datalist id="code-options">{suggestions.resultCodes.map((code) => <option key={code} value={code} />)}</datalist>
        <label>
          HTTP status
          <input name="httpStatus" placeholder="e.g. 500, 502" size={10} value={texts.httpStatus} onInput={(e) => setText({ httpStatus: e.currentTarget.value })} />
        </label>
        <span class="methods" role="group" aria-label="Method">
          {METHODS.map((method) => (
            <label key={method} class="check">
              <input type="checkbox" name="method" value={method} checked={draft.type.includes(method)} onChange={() => toggleMethod(method)} />
              {method}
            </label>
          ))}
        </span>
        <label>
          Client address
          <input name="clientIp" placeholder="IPv4 or IPv6" size={14} value={draft.clientIp} onInput={(e) => set({ clientIp: e.currentTarget.value.trim() })} />
        </label>
        <label>
          Slower than
          <input name="minDurationMs" type="number" min={0} step="any" placeholder="ms" size={6} value={draft.minDurationMs}
            onInput={(e) => set({ minDurationMs: e.currentTarget.value })} /> ms
        </label>
        <label title="3–200 characters of the recorded request or result description; A–Z match a–z">
          Text
          <input name="text" placeholder="campaign id, masked phone…" size={18} value={draft.text} onInput={(e) => set({ text: e.currentTarget.value })} />
        </label>
        {hasRecordFilter(filter) && (
          <button type="button" class="link" onClick={() => apply({ ...draft, ...NO_RECORD_FILTER }, textsOf({ ...draft, ...NO_RECORD_FILTER }))}>Clear filters</button>
        )}
      </div>
      {problem && <p class="error" role="alert">{problem}</p>}
      <div class="row">
        <button type="submit">Apply</button>
        <button type="button" class="link" onClick={onRefresh}>Refresh</button>
      </div>
    </form>
  );
}
