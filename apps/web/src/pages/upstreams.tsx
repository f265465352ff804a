import { type FormEvent, useState } from 'react';
import { Link, Route, Switch, useLocation } from 'wouter';
import type { Target } from '../api/client';
import { type ApiError, api, call } from '../api/client';
import type { Upstream } from '../api/types';
import { useSession } from '../auth/session';
import { Empty, ErrorNote, errorFor, Field, formatLabels, PageHeader, parseLabels } from '../components/ui';
import { useLoad } from '../components/use-load';

export function UpstreamsPage() {
  return (
    <Switch>
      <Route path="/" component={UpstreamList} />
      <Route path="/new">
        <UpstreamEditor />
      </Route>
      <Route path="/:id">{(p) => <UpstreamEditor id={p.id} />}</Route>
    </Switch>
  );
}

function UpstreamList() {
  const { can } = useSession();
  const upstreams = useLoad(
    () => call(api.GET('/api/v1/upstreams', { params: { query: { limit: 500 } } })),
    [],
  );
  return (
    <>
      <PageHeader title="Upstreams">
        {can('write') ? (
          <Link href="/new" className="button primary">
            New upstream
          </Link>
        ) : null}
      </PageHeader>
      <ErrorNote error={upstreams.error} what="Could not load upstreams" />
      {upstreams.data?.items.length === 0 ? (
        <Empty title="No upstreams yet">
          An upstream is the set of backend servers (host:port) a site forwards to. Create one, then route a
          site to it.
        </Empty>
      ) : null}
      {upstreams.data?.items.length ? (
        <table className="list">
          <thead>
            <tr>
              <th>Name</th>
              <th>Kind</th>
              <th>Policy</th>
              <th>Targets</th>
              <th>Labels</th>
            </tr>
          </thead>
          <tbody>
            {upstreams.data.items.map((u) => (
              <tr key={u.id}>
                <td>
                  <Link href={`/${u.id}`}>{u.name}</Link>
                </td>
                <td>{u.kind}</td>
                <td>{u.policy}</td>
                <td>{u.targets.map(targetText).join(', ')}</td>
                <td className="muted">{formatLabels(u.labels)}</td>
              </tr>
            ))}
          </tbody>
        </table>
      ) : null}
    </>
  );
}

const targetText = (t: Target) => `${t.scheme === 'https' ? 'https://' : ''}${t.host}:${t.port}`;

/** "10.0.0.5:8080, https://api.internal:443" → targets. */
function parseTargets(text: string): Target[] {
  return text
    .split(/[\s,]+/)
    .filter(Boolean)
    .map((t) => {
      const https = t.startsWith('https://');
      const rest = t.replace(/^https?:\/\//, '');
      const at = rest.lastIndexOf(':');
      const host = at > 0 ? rest.slice(0, at) : rest;
      const port = at > 0 ? Number(rest.slice(at + 1)) : https ? 443 : 80;
      return { scheme: https ? 'https' : 'http', host: host.replace(/^\[|\]$/g, ''), port };
    });
}

function UpstreamEditor({ id }: { id?: string }) {
  const { can } = useSession();
  const [, navigate] = useLocation();
  const current = useLoad(
    () =>
      id ? call(api.GET('/api/v1/upstreams/{id}', { params: { path: { id } } })) : Promise.resolve(null),
    [id],
  );
  if (current.error) return <ErrorNote error={current.error} what="Could not load the upstream" />;
  if (current.data === undefined) return <p className="loading">Loading…</p>;
  return (
    <>
      <PageHeader title={current.data ? `Upstream ${current.data.name}` : 'New upstream'}>
        <Link href="/">All upstreams</Link>
      </PageHeader>
      <UpstreamForm
        key={current.data?.version ?? 'new'}
        upstream={current.data}
        readOnly={!can('write')}
        onDone={() => navigate('/')}
      />
    </>
  );
}

function UpstreamForm({
  upstream,
  readOnly,
  onDone,
}: {
  upstream: Upstream | null;
  readOnly: boolean;
  onDone: () => void;
}) {
  const [name, setName] = useState(upstream?.name ?? '');
  const [kind, setKind] = useState(upstream?.kind ?? 'generic');
  const [policy, setPolicy] = useState(upstream?.policy ?? 'round_robin');
  const [targets, setTargets] = useState(upstream?.targets.map(targetText).join(', ') ?? '');
  const [labels, setLabels] = useState(formatLabels(upstream?.labels));
  const [error, setError] = useState<ApiError | null>(null);
  const errors = error?.fieldErrors ?? {};

  const submit = async (e: FormEvent) => {
    e.preventDefault();
    const body = { name, kind, policy, targets: parseTargets(targets), labels: parseLabels(labels) };
    try {
      if (upstream)
        await call(
          api.PATCH('/api/v1/upstreams/{id}', {
            params: { path: { id: upstream.id } },
            body: { ...body, version: upstream.version },
          }),
        );
      else await call(api.POST('/api/v1/upstreams', { body }));
      onDone();
    } catch (err) {
      setError(err as ApiError);
    }
  };
  const remove = async () => {
    if (!upstream || !confirm(`Delete upstream ${upstream.name}?`)) return;
    await call(api.DELETE('/api/v1/upstreams/{id}', { params: { path: { id: upstream.id } } })).then(
      onDone,
      (err: ApiError) => setError(err),
    );
  };

  return (
    <form className="card form narrow" onSubmit={submit} aria-label="Upstream">
      <fieldset disabled={readOnly}>
        {readOnly ? <p className="muted">Read-only: your role cannot change upstreams.</p> : null}
        <Field label="Name" error={errors.name}>
          <input name="name" value={name} onChange={(e) => setName(e.target.value)} />
        </Field>
        <Field
          label="Targets"
          error={errorFor(errors, 'targets')}
          hint="host:port, comma separated; https:// for TLS"
        >
          <input name="targets" value={targets} onChange={(e) => setTargets(e.target.value)} />
        </Field>
        <div className="row">
          <Field label="Kind" error={errors.kind}>
            <select value={kind} onChange={(e) => setKind(e.target.value as Upstream['kind'])}>
              <option value="generic">generic</option>
              <option value="ollama">Ollama</option>
              <option value="openwebui">Open WebUI</option>
            </select>
          </Field>
          <Field label="Balancing" error={errors.policy}>
            <select value={policy} onChange={(e) => setPolicy(e.target.value as Upstream['policy'])}>
              <option value="round_robin">round robin</option>
              <option value="least_conn">least connections</option>
              <option value="ip_hash">client IP hash</option>
            </select>
          </Field>
        </div>
        <Field label="Labels" error={errorFor(errors, 'labels')} hint="key=value, comma separated">
          <input value={labels} onChange={(e) => setLabels(e.target.value)} />
        </Field>
        {error && Object.keys(errors).length === 0 ? <ErrorNote error={error} what="Not saved" /> : null}
        {readOnly ? null : (
          <div className="row">
            <button type="submit" className="primary">
              {upstream ? 'Save' : 'Create upstream'}
            </button>
            {upstream ? (
              <button type="button" className="danger" onClick={() => void remove()}>
                Delete
              </button>
            ) : null}
          </div>
        )}
      </fieldset>
    </form>
  );
}
