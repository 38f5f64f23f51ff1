import { useState } from 'preact/hooks';
import { describeFailure, type Credentials, type WindowBody } from '../api.js';
import { EXPORT_LIMIT, exportCsv } from '../csv.js';

interface Props {
  credentials: Credentials;
  vdn: number;
  timeWindow: WindowBody;
}

/** Downloads the records of the current filter as CSV (never more than EXPORT_LIMIT rows). */
export function ExportButton({ credentials, vdn, timeWindow }: Props) {
  const [status, setStatus] = useState<string>();
  const [busy, setBusy] = useState(false);
  const run = async () => {
    setBusy(true);
    try {
      const { csv, rows, total } = await exportCsv(credentials, vdn, timeWindow, (done, all) => setStatus(`Exporting ${done.toLocaleString('en-US')} of ${all.toLocaleString('en-US')}…`));
      const link = document.createElement('a');
      link.href = URL.createObjectURL(new Blob([csv], { type: 'text/csv;charset=utf-8' }));
      link.download = `calllogs-vdn${vdn}-${timeWindow.beginTime.replace(/\D/g, '')}-${timeWindow.endTime.replace(/\D/g, '')}.csv`;
      document.body.append(link);
      link.click();
      link.remove();
      setTimeout(() => URL.revokeObjectURL(link.href), 10_000);
      setStatus(total > EXPORT_LIMIT ? `Exported the newest ${rows.toLocaleString('en-US')} of ${total.toLocaleString('en-US')} (the limit); narrow the filter for the rest.` : `Exported ${rows.toLocaleString('en-US')} records.`);
    } catch (error) {
      setStatus(describeFailure(error, vdn));
    } finally {
      setBusy(false);
    }
  };
  return (
    <span class="export">
      {status && <span class="muted" data-testid="export-status">{status}</span>}
      <button onClick={run} disabled={busy}>Export CSV</button>
    </span>
  );
}
