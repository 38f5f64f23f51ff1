import { useLayoutEffect, useRef } from 'preact/hooks';
import type { OpenapiLog } from '../api.js';
import { wallTime } from '../time.js';

interface Props {
  record: OpenapiLog;
  timeZone: string;
  onClose: () => void;
}

function pretty(request: string): string {
  try {
    return JSON.stringify(JSON.parse(request), null, 2);
  } catch {
    return request;
  }
}

/** One record: its parameters pretty-printed and its result. */
export function RecordDetail({ record, timeZone, onClose }: Props) {
  // Focus moves into the dialog, so Escape (and a screen reader) reach it at once.
  const dialog = useRef<HTMLElement>(null);
  useLayoutEffect(() => dialog.current?.focus(), [record]);
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
        </dl>
        <h3>request</h3>
        <pre data-testid="request">{pretty(record.request)}</pre>
      </aside>
    </div>
  );
}
