import { type FormEvent, useState } from 'react';
import type { Permission, Role } from '../api/client';
import { type ApiError, api, call } from '../api/client';
import type { ApiToken, CreatedApiToken, User } from '../api/types';
import { useSession } from '../auth/session';
import { Badge, ErrorNote, Field, PageHeader, when } from '../components/ui';
import { useLoad } from '../components/use-load';

const ROLES: Role[] = ['viewer', 'operator', 'admin'];
const SCOPES: Permission[] = ['read', 'write', 'deploy', 'admin'];

export function UsersPage() {
  const { can } = useSession();
  if (!can('admin')) return <p className="error">Only admins manage users and tokens.</p>;
  return (
    <>
      <PageHeader title="Users & tokens" />
      <Users />
      <Tokens />
    </>
  );
}

function Users() {
  const users = useLoad(() => call(api.GET('/api/v1/users')), []);
  const [email, setEmail] = useState('');
  const [password, setPassword] = useState('');
  const [role, setRole] = useState<Role>('viewer');
  const [error, setError] = useState<ApiError | null>(null);
  const submit = async (e: FormEvent) => {
    e.preventDefault();
    try {
      await call(api.POST('/api/v1/users', { body: { email, password, role } }));
      setEmail('');
      setPassword('');
      setError(null);
      users.reload();
    } catch (err) {
      setError(err as ApiError);
    }
  };
  const update = (u: User, body: { role?: Role; disabled?: boolean }) =>
    call(api.PATCH('/api/v1/users/{id}', { params: { path: { id: u.id } }, body })).then(
      users.reload,
      setError,
    );
  return (
    <section>
      <h2>Users</h2>
      <ErrorNote error={users.error} what="Could not load users" />
      <table className="list" data-testid="users">
        <thead>
          <tr>
            <th>Email</th>
            <th>Role</th>
            <th>Status</th>
            <th>Added</th>
          </tr>
        </thead>
        <tbody>
          {users.data?.items.map((u) => (
            <tr key={u.id} data-user={u.email}>
              <td>{u.email}</td>
              <td>
                <select
                  aria-label={`Role of ${u.email}`}
                  value={u.role}
                  onChange={(e) => void update(u, { role: e.target.value as Role })}
                >
                  {ROLES.map((r) => (
                    <option key={r}>{r}</option>
                  ))}
                </select>
              </td>
              <td>
                <label className="inline">
                  <input
                    type="checkbox"
                    checked={u.disabled}
                    onChange={(e) => void update(u, { disabled: e.target.checked })}
                  />
                  disabled
                </label>
              </td>
              <td className="muted">{when(u.createdAt)}</td>
            </tr>
          ))}
        </tbody>
      </table>
      <form className="card form row" onSubmit={submit} aria-label="Add a user">
        <Field label="Email" error={error?.fieldErrors.email}>
          <input name="email" type="email" value={email} onChange={(e) => setEmail(e.target.value)} />
        </Field>
        <Field label="Password" error={error?.fieldErrors.password} hint="at least 12 characters">
          <input
            name="password"
            type="password"
            autoComplete="new-password"
            value={password}
            onChange={(e) => setPassword(e.target.value)}
          />
        </Field>
        <Field label="Role">
          <select name="role" value={role} onChange={(e) => setRole(e.target.value as Role)}>
            {ROLES.map((r) => (
              <option key={r}>{r}</option>
            ))}
          </select>
        </Field>
        <button type="submit" className="primary">
          Add user
        </button>
      </form>
      <ErrorNote error={error && Object.keys(error.fieldErrors).length === 0 ? error : null} />
    </section>
  );
}

function Tokens() {
  const tokens = useLoad(() => call(api.GET('/api/v1/tokens')), []);
  const [name, setName] = useState('');
  const [scopes, setScopes] = useState<Permission[]>(['read']);
  const [created, setCreated] = useState<CreatedApiToken | null>(null);
  const [error, setError] = useState<ApiError | null>(null);
  const submit = async (e: FormEvent) => {
    e.preventDefault();
    try {
      setCreated(await call(api.POST('/api/v1/tokens', { body: { name, scopes } })));
      setName('');
      setError(null);
      tokens.reload();
    } catch (err) {
      setError(err as ApiError);
    }
  };
  const revoke = (t: ApiToken) =>
    confirm(`Revoke token ${t.name}? Automation using it stops working.`) &&
    call(api.DELETE('/api/v1/tokens/{id}', { params: { path: { id: t.id } } })).then(() => {
      if (created?.id === t.id) setCreated(null);
      tokens.reload();
    }, setError);
  return (
    <section>
      <h2>API tokens</h2>
      {created?.token ? (
        <div className="callout" data-testid="new-token">
          Token <strong>{created.name}</strong> created. Copy it now — it is never shown again:
          <pre className="config">{created.token}</pre>
          <button type="button" onClick={() => setCreated(null)}>
            I have copied it
          </button>
        </div>
      ) : null}
      <ErrorNote error={tokens.error} what="Could not load tokens" />
      <table className="list" data-testid="tokens">
        <thead>
          <tr>
            <th>Name</th>
            <th>Token</th>
            <th>Scopes</th>
            <th>Owner</th>
            <th>Created</th>
            <th>Last used</th>
            <th />
          </tr>
        </thead>
        <tbody>
          {tokens.data?.items.map((t) => (
            <tr key={t.id} data-token={t.name} data-revoked={t.revokedAt ? 'yes' : 'no'}>
              <td>{t.name}</td>
              <td>
                <code title="only the prefix is kept in readable form">{t.prefix}…</code>
              </td>
              <td>{t.scopes.join(', ')}</td>
              <td className="muted">{t.user?.email ?? '—'}</td>
              <td className="muted">{when(t.createdAt)}</td>
              <td className="muted">{t.lastUsedAt ? when(t.lastUsedAt) : 'never'}</td>
              <td>
                {t.revokedAt ? (
                  <span title={new Date(t.revokedAt).toLocaleString()}>
                    <Badge value="revoked" />
                  </span>
                ) : (
                  <button type="button" className="link" onClick={() => void revoke(t)}>
                    revoke
                  </button>
                )}
              </td>
            </tr>
          ))}
        </tbody>
      </table>
      <form className="card form row" onSubmit={submit} aria-label="Create a token">
        <Field label="Name" error={error?.fieldErrors.name}>
          <input name="token-name" value={name} onChange={(e) => setName(e.target.value)} />
        </Field>
        <div className="checks">
          {SCOPES.map((s) => (
            <label key={s} className="inline">
              <input
                type="checkbox"
                checked={scopes.includes(s)}
                onChange={(e) =>
                  setScopes((xs) => (e.target.checked ? [...xs, s] : xs.filter((x) => x !== s)))
                }
              />
              {s}
            </label>
          ))}
        </div>
        <button type="submit" className="primary">
          Create token
        </button>
      </form>
      {error?.fieldErrors.scopes ? <p className="field-error">scopes: {error.fieldErrors.scopes}</p> : null}
      <ErrorNote error={error && Object.keys(error.fieldErrors).length === 0 ? error : null} />
    </section>
  );
}
