import { useState } from 'react';
import { Link } from 'wouter';
import { type ApiError, api, call } from '../api/client';
import type { Drift, HostTest, ImportProposal } from '../api/types';
import { useSession } from '../auth/session';
import { ErrorNote, formatLabels, HealthDot, PageHeader, when } from '../components/ui';
import { useLoad } from '../components/use-load';

export function AgentDetail({ id }: { id: string }) {
  const { can } = useSession();
  const agent = useLoad(() => call(api.GET('/api/v1/agents/{id}', { params: { path: { id } } })), [id]);
  const health = useLoad(
    () => call(api.GET('/api/v1/health', { params: { query: { subjectType: 'agent', subjectId: id } } })),
    [id],
  );
  const [test, setTest] = useState<HostTest | null>(null);
  const [drift, setDrift] = useState<Drift | null>(null);
  const [imported, setImported] = useState<ImportProposal | null>(null);
  const [busy, setBusy] = useState<string | null>(null);
  const [error, setError] = useState<ApiError | null>(null);

  const run = async <T,>(what: string, request: () => Promise<T>, done: (r: T) => void) => {
    setBusy(what);
    setError(null);
    try {
      done(await request());
    } catch (err) {
      setError(err as ApiError);
    } finally {
      setBusy(null);
    }
  };
  const path = { params: { path: { id } } };

  if (agent.error) return <ErrorNote error={agent.error} what="Could not load the agent" />;
  const a = agent.data;
  if (!a) return <p className="loading">Loading…</p>;
  const isNew = location.search.includes('new=1');
  return (
    <>
      <PageHeader title={`Agent ${a.name}`}>
        <Link href="/">All agents</Link>
      </PageHeader>
      <div className="card">
        <dl className="facts">
          <dt>SSH</dt>
          <dd>
            {a.sshUser}@{a.address}:{a.sshPort} {a.useSudo ? '(sudo)' : ''}
          </dd>
          <dt>Proxy</dt>
          <dd>
            {a.flavor}{' '}
            {a.proxyVersion ?? <span className="muted">(version learned by the connection test)</span>}
          </dd>
          <dt>Config root</dt>
          <dd>
            <code>{a.configRoot}</code>
          </dd>
          <dt>Host key</dt>
          <dd data-testid="host-key">
            {a.hostKeyFingerprint ? (
              <code>{a.hostKeyFingerprint}</code>
            ) : (
              <span className="muted">pinned on the first connection test</span>
            )}
          </dd>
          <dt>Labels</dt>
          <dd>{formatLabels(a.labels) || '—'}</dd>
        </dl>
        {a.sshPublicKey ? (
          <div className={isNew ? 'callout' : ''}>
            <strong>Public key to authorize on the host</strong>
            <p className="muted">
              Append this line to <code>~{a.sshUser}/.ssh/authorized_keys</code> on {a.address}, then run the
              connection test.
            </p>
            <pre className="config" data-testid="public-key">
              {a.sshPublicKey}
            </pre>
          </div>
        ) : null}
        {a.offeredHostKey ? (
          <div className="callout bad" data-testid="offered-host-key">
            The host presented a different key: <code>{a.offeredHostKey}</code>. Operations stop until an
            admin confirms it is the host's new key.
            {can('admin') ? (
              <button
                type="button"
                className="danger"
                onClick={() =>
                  void run(
                    'accept',
                    () =>
                      call(
                        api.POST('/api/v1/agents/{id}/accept-host-key', {
                          ...path,
                          body: { fingerprint: a.offeredHostKey ?? '' },
                        }),
                      ),
                    () => agent.reload(),
                  )
                }
              >
                Accept the new host key
              </button>
            ) : null}
          </div>
        ) : null}
      </div>
      <div className="row actions-row">
        <button
          type="button"
          disabled={!can('deploy') || busy !== null}
          title={can('deploy') ? '' : 'needs the deploy permission'}
          onClick={() =>
            void run(
              'test',
              () => call(api.POST('/api/v1/agents/{id}/test', path)),
              (r) => {
                setTest(r);
                agent.reload();
              },
            )
          }
        >
          {busy === 'test' ? 'Testing…' : 'Test connection'}
        </button>
        <button
          type="button"
          disabled={busy !== null}
          onClick={() => void run('drift', () => call(api.GET('/api/v1/agents/{id}/drift', path)), setDrift)}
        >
          {busy === 'drift' ? 'Checking…' : 'Check drift'}
        </button>
        <button
          type="button"
          disabled={!can('write') || busy !== null}
          onClick={() =>
            void run('import', () => call(api.POST('/api/v1/agents/{id}/import', path)), setImported)
          }
        >
          {busy === 'import' ? 'Reading configs…' : 'Import existing configs'}
        </button>
      </div>
      <ErrorNote error={error} what="The host did not answer as expected" />
      {test ? (
        <section className="card" data-testid="test-result">
          <h2>
            Connection test:{' '}
            {test.ok ? <span className="good">passed</span> : <span className="bad">failed</span>}
          </h2>
          {test.firstContact && test.hostKeyFingerprint ? (
            <p>
              First contact: pinned host key <code>{test.hostKeyFingerprint}</code>. Compare it with{' '}
              <code>ssh-keygen -lf /etc/ssh/ssh_host_ed25519_key.pub</code> on the host.
            </p>
          ) : null}
          <table>
            <tbody>
              {test.checks.map((c) => (
                <tr key={c.name} data-check={c.name} data-status={c.status}>
                  <td>{c.name.replace(/_/g, ' ')}</td>
                  <td className={c.status === 'pass' ? 'good' : c.status === 'fail' ? 'bad' : 'muted'}>
                    {c.status}
                  </td>
                  <td className="muted">{c.detail}</td>
                </tr>
              ))}
            </tbody>
          </table>
        </section>
      ) : null}
      {drift ? (
        <section className="card" data-testid="drift" data-in-sync={drift.inSync ? 'yes' : 'no'}>
          <h2>
            Drift:{' '}
            {drift.inSync ? <span className="good">in sync</span> : <span className="bad">drifted</span>}
          </h2>
          <p className="muted">
            {drift.deployed
              ? `Compared with revision ${drift.deployed.revision}, deployed ${when(drift.deployed.finishedAt)}.`
              : 'Never deployed: every Portico file on the host counts as extra.'}
          </p>
          {(['changed', 'handEdited', 'modeChanged', 'missing', 'extra'] as const).map((k) =>
            drift[k].length ? (
              <div key={k} data-drift={k}>
                <strong>{k}</strong>
                <ul>
                  {drift[k].map((f) => (
                    <li key={f}>
                      <code>{f}</code>
                    </li>
                  ))}
                </ul>
              </div>
            ) : null,
          )}
        </section>
      ) : null}
      {imported ? (
        <section className="card" data-testid="import">
          <h2>Import proposal</h2>
          <p className="muted">
            Read {imported.files.length} files. Nothing is created until you add these sites and upstreams.
          </p>
          <ul>
            {imported.upstreams.map((u) => (
              <li key={u.name}>
                upstream <strong>{u.name}</strong>: {u.targets.map((t) => `${t.host}:${t.port}`).join(', ')}{' '}
                <span className="muted">({u.source})</span>
              </li>
            ))}
            {imported.sites.map((s) => (
              <li key={s.name}>
                site <strong>{s.name}</strong>: {s.hostnames.join(', ')}{' '}
                <span className="muted">({s.source})</span>
              </li>
            ))}
          </ul>
          {imported.unmapped.length ? (
            <>
              <h3>Not mapped (decide by hand)</h3>
              <ul>
                {imported.unmapped.map((u) => (
                  <li key={`${u.source}:${u.line}`}>
                    <code>
                      {u.source}:{u.line}
                    </code>{' '}
                    {u.directive} — {u.reason}
                  </li>
                ))}
              </ul>
            </>
          ) : null}
        </section>
      ) : null}
      <section>
        <h2>Health checks</h2>
        {health.data?.items.length ? (
          <table>
            <tbody>
              {health.data.items.map((h) => (
                <tr key={h.checkKey}>
                  <td>
                    <HealthDot status={h.status} />
                  </td>
                  <td>{h.checkKey}</td>
                  <td className="muted">since {when(h.since)}</td>
                  <td className="muted">{h.latest?.message}</td>
                </tr>
              ))}
            </tbody>
          </table>
        ) : (
          <p className="muted">No checks yet: checks start once the agent has been deployed to.</p>
        )}
      </section>
    </>
  );
}
