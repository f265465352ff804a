import { type FormEvent, useState } from 'react';
import { ApiError, api, call } from '../api/client';
import { ErrorNote, Field } from '../components/ui';

export function LoginPage({ onLogin }: { onLogin: () => void }) {
  const [email, setEmail] = useState('');
  const [password, setPassword] = useState('');
  const [error, setError] = useState<ApiError | null>(null);
  const [busy, setBusy] = useState(false);

  const submit = async (e: FormEvent) => {
    e.preventDefault();
    setBusy(true);
    try {
      await call(api.POST('/api/v1/auth/login', { body: { email, password } }));
      onLogin();
    } catch (err) {
      setError(err as ApiError);
      setBusy(false);
    }
  };

  return (
    <div className="login">
      <form onSubmit={submit} className="card">
        <h1>Portico</h1>
        <p className="muted">Sign in to manage your reverse-proxy fleet.</p>
        <Field label="Email" error={error?.fieldErrors.email}>
          <input
            type="email"
            name="email"
            value={email}
            onChange={(e) => setEmail(e.target.value)}
            required
          />
        </Field>
        <Field label="Password" error={error?.fieldErrors.password}>
          <input
            type="password"
            name="password"
            value={password}
            onChange={(e) => setPassword(e.target.value)}
            required
          />
        </Field>
        {error && error.status !== 400 ? (
          <ErrorNote error={error.status === 401 ? new Error('Wrong email or password.') : error} />
        ) : null}
        <button type="submit" className="primary" disabled={busy}>
          {busy ? 'Signing in…' : 'Sign in'}
        </button>
      </form>
    </div>
  );
}
