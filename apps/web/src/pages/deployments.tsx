import { type FormEvent, useRef, useState } from 'react';
import { Link, Route, Switch, useLocation } from 'wouter';
import { type ApiError, api, call } from '../api/client';
import { useSession } from '../auth/session';
import { Badge, Empty, ErrorNote, PageHeader, parseLabels, when } from '../components/ui';
import { useLoad } from '../components/use-load';
import { useTopic } from '../live/gateway';
import { DeploymentDetail } from './deployment-detail';

export function DeploymentsPage() {
  return (
    <Switch>
      <Route path="/" component={DeploymentList} />
      <Route path="/:id">{(p) => <DeploymentDetail id={p.id} />}</Route>
    </Switch>
  );
}

function DeploymentList() {
  const { can } = useSession();
  const deployments = useLoad(
    () => call(api.GET('/api/v1/deployments', { params: { query: { limit: 50 } } })),
    [],
  );
  const timer = useRef<ReturnType<typeof setTimeout> | null>(null);
  useTopic('fleet', {
    event: (e) => {
      if (e.type.startsWith('deployment.') && !timer.current)
        timer.current = setTimeout(() => {
          timer.current = null;
          deployments.reload();
        }, 300);
    },
  });
  return (
    <>
      <PageHeader title="Deployments" />
      {can('deploy') ? (
        <StartDeployment />
      ) : (
        <p className="muted">Your role can watch deployments but not start them.</p>
      )}
      <ErrorNote error={deployments.error} what="Could not load deployments" />
      {deployments.data?.items.length === 0 ? (
        <Empty title="Nothing deployed yet">
          A deployment renders the current desired state for each agent and converges the host: staged,
          validated, switched, reloaded, verified — rolled back on failure.
        </Empty>
      ) : null}
      {deployments.data?.items.length ? (
        <table className="list">
          <thead>
            <tr>
              <th>Deployment</th>
              <th>Status</th>
              <th>Requested by</th>
              <th>Started</th>
              <th>Took</th>
            </tr>
          </thead>
          <tbody>
            {deployments.data.items.map((d) => (
              <tr key={d.id}>
                <td>
                  <Link href={`/${d.id}`}>
                    {d.kind} of revision {d.revision}
                  </Link>
                </td>
                <td>
                  <Badge value={d.status} />
                </td>
                <td>{d.requestedBy ?? '—'}</td>
                <td className="muted">{when(d.createdAt)}</td>
                <td className="muted">
                  {d.durationMs === null ? '—' : `${(d.durationMs / 1000).toFixed(1)} s`}
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      ) : null}
    </>
  );
}

function StartDeployment() {
  const [, navigate] = useLocation();
  const [mode, setMode] = useState<'all' | 'labels' | 'agents'>('all');
  const [labels, setLabels] = useState('');
  const [picked, setPicked] = useState<string[]>([]);
  const [error, setError] = useState<ApiError | null>(null);
  const [busy, setBusy] = useState(false);
  const agents = useLoad(() => call(api.GET('/api/v1/agents', { params: { query: { limit: 500 } } })), []);

  const submit = async (e: FormEvent) => {
    e.preventDefault();
    setBusy(true);
    const body =
      mode === 'all'
        ? { all: true as const }
        : mode === 'labels'
          ? { selector: parseLabels(labels) }
          : { agents: picked };
    try {
      const d = await call(api.POST('/api/v1/deployments', { body }));
      navigate(`/${d.id}`);
    } catch (err) {
      setError(err as ApiError);
      setBusy(false);
    }
  };

  return (
    <form className="card form" onSubmit={submit} aria-label="Start a deployment">
      <h2>Start a deployment</h2>
      <div className="row">
        {(['all', 'labels', 'agents'] as const).map((m) => (
          <label key={m} className="inline">
            <input type="radio" name="mode" checked={mode === m} onChange={() => setMode(m)} />
            {m === 'all' ? 'all agents' : m === 'labels' ? 'by label' : 'pick agents'}
          </label>
        ))}
      </div>
      {mode === 'labels' ? (
        <input
          aria-label="Label selector"
          placeholder="env=prod, region=eu"
          value={labels}
          onChange={(e) => setLabels(e.target.value)}
        />
      ) : null}
      {mode === 'agents' ? (
        <div className="checks">
          {agents.data?.items.length === 0 ? <span className="muted">No agents yet.</span> : null}
          {agents.data?.items.map((a) => (
            <label key={a.id} className="inline">
              <input
                type="checkbox"
                checked={picked.includes(a.name)}
                onChange={(e) =>
                  setPicked((xs) => (e.target.checked ? [...xs, a.name] : xs.filter((x) => x !== a.name)))
                }
              />
              {a.name}
            </label>
          ))}
        </div>
      ) : null}
      <ErrorNote error={error} what="Not started" />
      <button type="submit" className="primary" disabled={busy}>
        {busy ? 'Starting…' : 'Deploy'}
      </button>
    </form>
  );
}
