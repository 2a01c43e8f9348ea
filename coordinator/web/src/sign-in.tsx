/** The sign-in form: exchanges the admin token for a session cookie. */
import { useState } from 'preact/hooks';
import { api, describeError } from './api.js';

/** Props of {@link SignIn}. */
export interface SignInProps {
  readonly onSignedIn: (csrfToken: string) => void;
}

/** Sign-in with the admin token; shows the API's error when it is refused. */
export function SignIn({ onSignedIn }: SignInProps) {
  const [token, setToken] = useState('');
  const [error, setError] = useState('');
  const [busy, setBusy] = useState(false);
  const submit = (e: Event): void => {
    e.preventDefault();
    setBusy(true);
    api<{ csrfToken: string }>('POST', '/api/session', { token })
      .then((s) => {
        onSignedIn(s.csrfToken);
      })
      .catch((err: unknown) => {
        setError(describeError(err));
        setBusy(false);
      });
  };
  return (
    <main class="center">
      <form class="card signin" onSubmit={submit} aria-labelledby="signin-title">
        <h1 id="signin-title">edgefed dashboard</h1>
        <p class="muted">Sign in with the coordinator's admin token.</p>
        <label for="admin-token">Admin token</label>
        <input
          id="admin-token"
          name="token"
          type="password"
          autoComplete="current-password"
          required
          value={token}
          onInput={(e) => {
            setToken(e.currentTarget.value);
          }}
        />
        {error === '' ? null : (
          <p class="error" role="alert">
            {error}
          </p>
        )}
        <button type="submit" disabled={busy || token === ''}>
          {busy ? 'Signing in…' : 'Sign in'}
        </button>
      </form>
    </main>
  );
}
