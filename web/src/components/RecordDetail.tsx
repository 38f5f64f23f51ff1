import { useEffect, useLayoutEffect, useRef, useState } from 'preact/hooks';
import type { OpenapiLog, RecordLine } from '../api.js';
import { wallTime } from '../time.js';

interface Props {
  record: OpenapiLog;
  timeZone: string;
  /** What the calllogs answer leaves out (access key, client address, duration), asked for when the record opens. */
  loadDetail: (record: OpenapiLog) => Promise<RecordLine | null>;
  /** Why the detail could not be read, in words. */
  describe: (error: unknown) => string;
  onClose: () => void;
}

type Detail = { state: 'loading' } | { state: 'error'; message: string } | { state: 'gone' } | { state: 'ready'; value: RecordLine };

function pretty(request: string): string {
  try {
    return JSON.stringify(JSON.parse(request), null, 2);
  } catch {
    return request;
  }
}

function duration(ms: number): string {
  return ms >= 1000 ? `${(ms / 1000).toFixed(ms >= 10_000 ? 1 : 2)} s` : `${ms.toLocaleString('en-US', { maximumFractionDigits: 1 })} ms`;
}

/** One record: who called and from where, how long it took, its parameters pretty-printed and its result. */
export function RecordDetail({ record, timeZone, loadDetail, describe, onClose }: Props) {
  // Focus moves into the dialog, so Escape (and a screen reader) reach it at once.
  const dialog = useRef<HTMLElement>(null);
  useLayoutEffect(() => dialog.current?.focus(), [record]);
  const [detail, setDetail] = useState<Detail>({ state: 'loading' });
  useEffect(() => {
    let current = true;
    setDetail({ state: 'loading' });
    loadDetail(record).then(
      (value) => current && setDetail(value ? { state: 'ready', value } : { state: 'gone' }),
      (error) => current && setDetail({ state: 'error', message: describe(error) }),
    );
    return () => (current = false);
  }, [record]);
  const extra = (render: (d: RecordLine) => string) =>
    detail.state === 'ready' ? render(detail.value) : detail.state === 'loading' ? '…' : '—';

  return (
    <div class="overlay" onClick={onClose}>
      <aside ref={dialog} tabIndex={-1} class="card detail" role="dialog" aria-modal="true" aria-label="Call record"
        onClick={(e) => e.stopPropagation()} onKeyDown={(e) => e.key === 'Escape' && onClose()}>
        <button class="link close" onClick={onClose} aria-label="Close">✕</button>
        <h2>{record.type} {record.url}</h2>
        <dl>
          <dt>id</dt><dd>{record.id}</dd>
          <dt>received</dt><dd>{record.operTime} ({wallTime(Date.parse(record.operTime), timeZone)} {timeZone})</dd>
          <dt>HTTP status</dt><dd>{record.httpStatus}</dd>
          <dt>result</dt><dd data-testid="result"><code>{record.resultCode || '(none)'}</code> {record.resultDesc}</dd>
          <dt>access key</dt><dd data-testid="detail-ak">{extra((d) => d.ak ?? '(not authenticated)')}</dd>
          <dt>client</dt><dd data-testid="detail-client">{extra((d) => d.clientIp ?? '(unknown)')}</dd>
          <dt>duration</dt><dd data-testid="detail-duration">{extra((d) => (d.durationMs === null || d.durationMs === undefined ? '(not measured)' : duration(d.durationMs)))}</dd>
        </dl>
        {detail.state === 'error' && <p class="error" role="alert">{detail.message}</p>}
        {detail.state === 'gone' && <p class="muted">This record is no longer stored (removed by retention?).</p>}
        <h3>request</h3>
        <pre data-testid="request">{pretty(record.request)}</pre>
      </aside>
    </div>
  );
}
