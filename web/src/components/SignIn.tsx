import { useState } from 'preact/hooks';
import { describeFailure, queryStats, type Credentials } from '../api.js';
import { shiftWall, wallTime } from '../time.js';

interface Props {
  timeZone: string;
  onSignedIn: (session: Credentials & { vdn: number }) => void;
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
