import { type FormEvent, useState } from 'react';
import { Link, Route, Switch, useLocation } from 'wouter';
import { type ApiError, api, call } from '../api/client';
import { useSession } from '../auth/session';
import { Empty, ErrorNote, Field, formatLabels, HealthDot, PageHeader, parseLabels } from '../components/ui';
import { useLoad } from '../components/use-load';
import { useFleetHealth } from '../live/use-fleet-health';
import { AgentDetail } from './agent-detail';

export function AgentsPage() {
  return (
    <Switch>
      <Route path="/" component={AgentList} />
      <Route path="/new" component={AddAgent} />
      <Route path="/:id">{(p) => <AgentDetail id={p.id} />}</Route>
    </Switch>
  );
}

function AgentList() {
  const { can } = useSession();
  const health = useFleetHealth();
  const agents = useLoad(() => call(api.GET('/api/v1/agents', { params: { query: { limit: 500 } } })), []);
  return (
    <>
      <PageHeader title="Agents">
        {can('admin') ? (
          <Link href="/new" className="button primary">
            Add a host
          </Link>
        ) : null}
      </PageHeader>
      <ErrorNote error={agents.error} what="Could not load agents" />
      {agents.data?.items.length === 0 ? (
        <Empty title="No agents yet">
          An agent is a host running nginx or Apache that Portico reaches over SSH.{' '}
          {can('admin') ? <Link href="/new">Add your first host.</Link> : 'Ask an admin to add one.'}
        </Empty>
      ) : null}
      {agents.data?.items.length ? (
        <table className="list">
          <thead>
            <tr>
              <th />
              <th>Name</th>
              <th>Address</th>
              <th>Proxy</th>
              <th>Host key</th>
              <th>Labels</th>
            </tr>
          </thead>
          <tbody>
            {agents.data.items.map((a) => (
              <tr key={a.id}>
                <td>
                  <HealthDot status={health.worst('agent', a.id)} />
                </td>
                <td>
                  <Link href={`/${a.id}`}>{a.name}</Link>
                </td>
                <td>
                  {a.sshUser}@{a.address}:{a.sshPort}
                </td>
                <td>
                  {a.flavor} {a.proxyVersion ?? ''}
                </td>
                <td>
                  {a.offeredHostKey ? (
                    <span className="bad">changed — confirm</span>
                  ) : a.hostKeyFingerprint ? (
                    'pinned'
                  ) : (
                    <span className="muted">not tested yet</span>
                  )}
                </td>
                <td className="muted">{formatLabels(a.labels)}</td>
              </tr>
            ))}
          </tbody>
        </table>
      ) : null}
    </>
  );
}

function AddAgent() {
  const [, navigate] = useLocation();
  const [form, setForm] = useState({
    name: '',
    address: '',
    sshPort: '22',
    sshUser: 'root',
    flavor: 'nginx' as 'nginx' | 'apache',
    useSudo: false,
    generateKey: true,
    privateKey: '',
    labels: '',
  });
  const [error, setError] = useState<ApiError | null>(null);
  const errors = error?.fieldErrors ?? {};
  const set = (patch: Partial<typeof form>) => setForm((f) => ({ ...f, ...patch }));

  const submit = async (e: FormEvent) => {
    e.preventDefault();
    try {
      const agent = await call(
        api.POST('/api/v1/agents', {
          body: {
            name: form.name,
            address: form.address,
            sshPort: Number(form.sshPort),
            sshUser: form.sshUser,
            flavor: form.flavor,
            useSudo: form.useSudo,
            labels: parseLabels(form.labels),
            ...(form.generateKey ? { generateKey: true } : { privateKey: form.privateKey }),
          },
        }),
      );
      navigate(`/${agent.id}?new=1`);
    } catch (err) {
      setError(err as ApiError);
    }
  };

  return (
    <>
      <PageHeader title="Add a host">
        <Link href="/">All agents</Link>
      </PageHeader>
      <form className="card form narrow" onSubmit={submit} aria-label="Agent">
        <Field label="Name" error={errors.name}>
          <input name="name" value={form.name} onChange={(e) => set({ name: e.target.value })} />
        </Field>
        <div className="row">
          <Field label="Address" error={errors.address} hint="IP or DNS name">
            <input name="address" value={form.address} onChange={(e) => set({ address: e.target.value })} />
          </Field>
          <Field label="SSH port" error={errors.sshPort}>
            <input
              value={form.sshPort}
              onChange={(e) => set({ sshPort: e.target.value })}
              inputMode="numeric"
            />
          </Field>
          <Field label="SSH user" error={errors.sshUser}>
            <input value={form.sshUser} onChange={(e) => set({ sshUser: e.target.value })} />
          </Field>
        </div>
        <div className="row">
          <Field label="Proxy" error={errors.flavor}>
            <select
              value={form.flavor}
              onChange={(e) => set({ flavor: e.target.value as 'nginx' | 'apache' })}
            >
              <option value="nginx">nginx</option>
              <option value="apache">Apache httpd</option>
            </select>
          </Field>
          <label className="inline">
            <input
              type="checkbox"
              checked={form.useSudo}
              onChange={(e) => set({ useSudo: e.target.checked })}
            />
            use sudo
          </label>
        </div>
        <label className="inline">
          <input
            type="checkbox"
            checked={form.generateKey}
            onChange={(e) => set({ generateKey: e.target.checked })}
          />
          Generate a key pair for this host (you then authorize its public key on the host)
        </label>
        {form.generateKey ? null : (
          <Field
            label="Private key (PEM / OpenSSH)"
            error={errors.privateKey}
            hint="stored encrypted, never shown again"
          >
            <textarea
              rows={5}
              value={form.privateKey}
              onChange={(e) => set({ privateKey: e.target.value })}
            />
          </Field>
        )}
        <Field label="Labels" error={errors.labels} hint="key=value, comma separated">
          <input value={form.labels} onChange={(e) => set({ labels: e.target.value })} />
        </Field>
        {error && Object.keys(errors).length === 0 ? <ErrorNote error={error} what="Not added" /> : null}
        <button type="submit" className="primary">
          Add host
        </button>
      </form>
    </>
  );
}
