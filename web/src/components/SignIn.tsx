import { useState } from 'preact/hooks';
import { ApiError, queryStats, type Credentials } from '../api.js';
import { shiftWall, wallTime } from '../time.js';

interface Props {
  timeZone: string;
  onSignedIn: (session: Credentials & { vdn: number }) => void;
}

/** Why a key was refused, in words an operator can act on. */
export function describeFailure(error: unknown, vdn: number): string {
  if (!(error instanceof ApiError)) return 'Something went wrong. Try again.';
  if (error.status === 401) return `The server refused this key (${error.message}). Check the AK and the SK.`;
  if (error.status === 403) return `This key may not see VDN ${vdn}.`;
  if (error.status === 0) return error.message;
  return `The server answered ${error.status} ${error.code}: ${error.message}`;
}

/** The console is just another API client: the key is checked by signing a real (stats) call. */
export function SignIn({ timeZone, onSignedIn }: Props) {
  const [ak, setAk] = useState('');
  const [sk, setSk] = useState('');
  const [vdn, setVdn] = useState('1');
  const [error, setError] = useState<string>();
  const [busy, setBusy] = useState(false);

  const submit = async (event: Event) => {
    event.preventDefault();
    const vdnId = Number(vdn);
    if (!Number.isInteger(vdnId) || vdnId < 1 || vdnId > 9999) return setError('VDN: a number from 1 to 9999.');
    setBusy(true);
    setError(undefined);
    try {
      const endTime = wallTime(Date.now(), timeZone);
      await queryStats({ ak, sk }, vdnId, { beginTime: shiftWall(endTime, -3600), endTime });
      onSignedIn({ ak, sk, vdn: vdnId });
    } catch (e) {
      setError(describeFailure(e, vdnId));
    } finally {
      setBusy(false);
    }
  };

  return (
    <main class="centered">
      <form class="card sign-in" onSubmit={submit}>
        <h1>calllogs console</h1>
        <p class="muted">Sign in with an access key. The secret key signs each call in this tab and is never sent.</p>
        <label>
          AK <input name="ak" autocomplete="username" required value={ak} onInput={(e) => setAk(e.currentTarget.value.trim())} />
        </label>
        <label>
          SK <input name="sk" type="password" autocomplete="current-password" required value={sk} onInput={(e) => setSk(e.currentTarget.value)} />
        </label>
        <label>
          VDN <input name="vdn" inputMode="numeric" required value={vdn} onInput={(e) => setVdn(e.currentTarget.value.trim())} />
        </label>
        {error && <p class="error" role="alert">{error}</p>}
        <button type="submit" disabled={busy}>{busy ? 'Checking…' : 'Sign in'}</button>
      </form>
    </main>
  );
}
