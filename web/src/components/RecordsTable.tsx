import { isFailure } from '../../../src/contract/outcome.js';
import type { OpenapiLog } from '../api.js';
import { PAGE_SIZE } from '../filter.js';

interface Props {
  records: OpenapiLog[];
  count: number;
  page: number;
  onPage: (page: number) => void;
  onOpen: (record: OpenapiLog) => void;
}

/** One page of records, newest first; a row opens the record. */
export function RecordsTable({ records, count, page, onPage, onOpen }: Props) {
  const pages = Math.max(1, Math.ceil(count / PAGE_SIZE));
  const first = (page - 1) * PAGE_SIZE + 1;
  if (count === 0) return <p class="muted" data-testid="empty">No calls match this filter in this window.</p>;
  return (
    <div>
      <table class="records">
        <thead>
          <tr><th>time (UTC)</th><th>method</th><th>interface</th><th>HTTP</th><th>result</th><th>description</th></tr>
        </thead>
        <tbody>
          {records.map((r) => (
            <tr key={r.id} class={isFailure(r) ? 'failed' : ''} tabIndex={0} onClick={() => onOpen(r)} onKeyDown={(e) => e.key === 'Enter' && onOpen(r)}>
              <td class="time">{r.operTime.slice(0, 23).replace('T', ' ')}</td>
              <td>{r.type}</td>
              <td class="url">{r.url}</td>
              <td>{r.httpStatus}</td>
              <td>{r.resultCode}</td>
              <td class="desc">{r.resultDesc}</td>
            </tr>
          ))}
        </tbody>
      </table>
      <nav class="pager">
        <button disabled={page <= 1} onClick={() => onPage(page - 1)}>‹ Newer</button>
        <span data-testid="range">
          {records.length === 0 ? `Page ${page} is past the end` : `${first.toLocaleString('en-US')}–${(first + records.length - 1).toLocaleString('en-US')}`}
          {' '}of <strong data-testid="count">{count.toLocaleString('en-US')}</strong> · page {page} of {pages.toLocaleString('en-US')}
        </span>
        <button disabled={page >= pages} onClick={() => onPage(page + 1)}>Older ›</button>
      </nav>
    </div>
  );
}
