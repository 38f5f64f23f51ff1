import { useEffect, useState } from 'preact/hooks';
import { consoleConfig, type Credentials } from '../api.js';
import { forgetCredentials, loadCredentials, saveCredentials } from '../session.js';
import { Dashboard } from './Dashboard.js';
import { SignIn } from './SignIn.js';

export function App() {
  const [timeZone, setTimeZone] = useState<string>();
  const [configError, setConfigError] = useState<string>();
  const [session, setSession] = useState<(Credentials & { vdn: number }) | undefined>(loadCredentials);

  useEffect(() => {
    consoleConfig().then((c) => setTimeZone(c.timeZone), (e: Error) => setConfigError(e.message));
  }, []);

  if (configError) return <main class="centered"><p class="error" role="alert">{configError}</p></main>;
  if (!timeZone) return <main class="centered"><p class="muted">Loading…</p></main>;
  if (!session) {
    return (
      <SignIn
        timeZone={timeZone}
        onSignedIn={(s) => {
          saveCredentials(s);
          setSession(s);
        }}
      />
    );
  }
  return (
    <Dashboard
      credentials={session}
      defaultVdn={session.vdn}
      timeZone={timeZone}
      onSignOut={() => {
        forgetCredentials();
        setSession(undefined);
      }}
      onUnauthorized={() => {
        forgetCredentials();
        setSession(undefined);
      }}
    />
  );
}
