import { useEffect, useRef, useState } from 'react';
import { Link, useLocation } from 'wouter';
import { type ApiError, api, call } from '../api/client';
import { useSession } from '../auth/session';
import { Badge, ErrorNote, PageHeader, when } from '../components/ui';
import { useLoad } from '../components/use-load';
import { type LiveEvent, useTopic } from '../live/gateway';

const STEPS = ['inspect', 'stage', 'validate', 'switch', 'reload', 'verify'];

/** One deployment, live: target events append to each agent's log and refetch the record. */
export function DeploymentDetail({ id }: { id: string }) {
  const { can } = useSession();
  const [, navigate] = useLocation();
  const deployment = useLoad(
    () => call(api.GET('/api/v1/deployments/{id}', { params: { path: { id } } })),
    [id],
  );
  const [live, setLive] = useState<Record<string, LiveEvent[]>>({});
  const [error, setError] = useState<ApiError | null>(null);
  const timer = useRef<ReturnType<typeof setTimeout> | null>(null);
  useTopic(`deployment:${id}`, {
    snapshot: () => deployment.reload(),
    event: (e) => {
      if (e.agentId) setLive((l) => ({ ...l, [e.agentId!]: [...(l[e.agentId!] ?? []), e] }));
      if (!timer.current)
        timer.current = setTimeout(() => {
          timer.current = null;
          deployment.reload();
        }, 250);
    },
  });

  // Events drive the page; a slow poll while it runs keeps it right if the socket missed some.
  const running = !deployment.data || ['pending', 'running'].includes(deployment.data.status);
  const { reload } = deployment;
  useEffect(() => {
    if (!running) return;
    const poll = setInterval(reload, 3_000);
    return () => clearInterval(poll);
  }, [running, reload]);

  if (deployment.error) return <ErrorNote error={deployment.error} what="Could not load the deployment" />;
  const d = deployment.data;
  if (!d) return <p className="loading">Loading…</p>;
  const finished = d.status !== 'pending' && d.status !== 'running';

  const rollback = async () => {
    if (!confirm('Roll every agent of this deployment back to what it had before?')) return;
    try {
      const r = await call(
        api.POST('/api/v1/deployments/{id}/rollback', { params: { path: { id } }, body: {} }),
      );
      navigate(`/${r.id}`);
    } catch (err) {
      setError(err as ApiError);
    }
  };

  return (
    <>
      <PageHeader title={`${d.kind === 'rollback' ? 'Rollback' : 'Deployment'} of revision ${d.revision}`}>
        <Link href="/">All deployments</Link>
        {/* Only a succeeded target changed its host: a deployment without one has nothing to undo. */}
        {can('deploy') &&
        finished &&
        d.kind === 'deploy' &&
        d.targets?.some((t) => t.status === 'succeeded') ? (
          <button type="button" className="danger" onClick={() => void rollback()}>
            Roll back
          </button>
        ) : null}
      </PageHeader>
      <p data-testid="deployment-status">
        <Badge value={d.status} /> requested by {d.requestedBy ?? '—'}, {when(d.createdAt)}
        {d.durationMs !== null ? `, took ${(d.durationMs / 1000).toFixed(1)} s` : ''}
      </p>
      {d.rollbackOfId ? (
        <p className="muted">
          Puts back what each agent had before <Link href={`/${d.rollbackOfId}`}>that deployment</Link>.
        </p>
      ) : null}
      <ErrorNote error={error} what="Rollback not started" />
      {d.targets?.length === 0 ? (
        <p className="muted">No agent matched this deployment's selection.</p>
      ) : null}
      {d.targets?.map((t) => {
        const stepIndex = t.step ? STEPS.indexOf(t.step) : -1;
        const done = t.status !== 'pending' && t.status !== 'running';
        return (
          <section
            key={t.id}
            className="card target"
            data-target={t.agentName ?? t.agentId}
            data-status={t.status}
          >
            <h2>
              {t.agentName ?? t.agentId} <Badge value={t.status} />
            </h2>
            <ol className="steps">
              {STEPS.map((s, i) => (
                <li
                  key={s}
                  className={
                    done
                      ? t.status === 'failed' || t.status === 'rolled_back'
                        ? i <= stepIndex
                          ? 'failed'
                          : ''
                        : 'done'
                      : i < stepIndex
                        ? 'done'
                        : i === stepIndex
                          ? 'current'
                          : ''
                  }
                >
                  {s}
                </li>
              ))}
            </ol>
            {t.error ? <div className="error">{t.error}</div> : null}
            {t.warning ? <div className="warning">{t.warning}</div> : null}
            <pre className="log">
              {t.log ||
                (live[t.agentId] ?? [])
                  .map(
                    (e) => `${e.at.slice(11, 19)} ${e.step ?? e.type} ${e.status ?? ''} ${e.message ?? ''}`,
                  )
                  .join('\n') ||
                'waiting…'}
            </pre>
          </section>
        );
      })}
    </>
  );
}
