import { useEffect, useState } from 'preact/hooks';
import { queryProof, type Credentials, type OpenapiLog } from '../api.js';
import { pinnedLogKey, verifyPage, type PageVerification } from '../integrity.js';
import { wallTime } from '../time.js';

interface Props {
  credentials: Credentials;
  vdn: number;
  records: OpenapiLog[];
  timeZone: string;
  describe: (error: unknown) => string;
}

type Shown = PageVerification | { state: 'checking' } | undefined;

/** Says whether the calls on the page are in their VDN's signed log, unchanged (docs/integrity.md). */
export function VerifiedBadge({ credentials, vdn, records, timeZone, describe }: Props) {
  const [shown, setShown] = useState<Shown>();
  useEffect(() => {
    let current = true;
    const show = (value: Shown) => {
      if (current) setShown(value);
    };
    if (records.length === 0) return show(undefined);
    show({ state: 'checking' });
    (async (): Promise<Shown> => {
      const pinned = await pinnedLogKey();
      if (!pinned) return { state: 'unavailable', message: 'the server has signed no checkpoint yet.' };
      if ('warning' in pinned) return { state: 'failed', message: pinned.warning };
      const times = records.map((r) => Date.parse(r.operTime));
      const window = { beginTime: wallTime(Math.min(...times), timeZone), endTime: wallTime(Math.max(...times), timeZone) };
      return verifyPage(records, vdn, await queryProof(credentials, vdn, window), pinned.key);
    })().then(show, (error: unknown) => show({ state: 'unavailable', message: describe(error) }));
    return () => {
      current = false;
    };
  }, [records]);

  if (!shown) return null;
  if (shown.state === 'checking') return <p class="muted">Verifying these calls against the signed log…</p>;
  if (shown.state === 'failed') return <p class="error" role="alert" data-testid="verification-failed">⚠ Verification failed: {shown.message}</p>;
  if (shown.state === 'unavailable') return <p class="muted" data-testid="verification-unavailable">Not verified: {shown.message}</p>;
  const pending = shown.pending > 0 ? `; the ${shown.pending} newest are not covered by a checkpoint yet` : '';
  return (
    <p class="verified" data-testid="verified">
      ✓ Verified: {shown.records} {shown.records === 1 ? 'call is' : 'calls are'} in VDN {vdn}'s signed log, unchanged (checkpoint of {shown.treeSize} calls){pending}.
    </p>
  );
}
