import { useLayoutEffect, useRef, useState } from 'react';
import { Link } from 'wouter';
import { api, call, type Page } from '../api/client';
import type { Agent, Certificate, Deployment, Site } from '../api/views';
import { Badge, Empty, ErrorNote, HealthDot, PageHeader, when } from '../components/ui';
import { useLoad } from '../components/use-load';
import { useFleetHealth } from '../live/use-fleet-health';

interface FleetData {
  agents: Page<Agent>;
  sites: Page<Site>;
  certificates: Page<Certificate>;
  deployments: Page<Deployment>;
  arrivedAt: number;
}

async function loadFleet(): Promise<FleetData> {
  const [agents, sites, certificates, deployments] = await Promise.all([
    call<Page<Agent>>(api.GET('/api/v1/agents', { params: { query: { limit: 500 } } })),
    call<Page<Site>>(api.GET('/api/v1/sites', { params: { query: { limit: 500 } } })),
    call<Page<Certificate>>(api.GET('/api/v1/certificates', { params: { query: { limit: 200 } } })),
    call<Page<Deployment>>(api.GET('/api/v1/deployments', { params: { query: { limit: 8 } } })),
  ]);
  return { agents, sites, certificates, deployments, arrivedAt: performance.now() };
}

export function OverviewPage() {
  const fleet = useLoad(loadFleet, []);
  const reloadTimer = useRef<ReturnType<typeof setTimeout> | null>(null);
  const health = useFleetHealth((e) => {
    // Deployments change rarely; refetch the list (debounced) rather than patching it.
    if (e.type.startsWith('deployment.') && !reloadTimer.current) {
      reloadTimer.current = setTimeout(() => {
        reloadTimer.current = null;
        fleet.reload();
      }, 300);
    }
  });
  const [renderMs, setRenderMs] = useState<number | null>(null);
  const arrivedAt = fleet.data?.arrivedAt;
  // Time from the data's arrival to the committed DOM: the figure the browser test prints.
  useLayoutEffect(() => {
    if (arrivedAt !== undefined) setRenderMs(performance.now() - arrivedAt);
  }, [arrivedAt]);

  if (fleet.error) return <ErrorNote error={fleet.error} what="Could not load the fleet" />;
  if (!fleet.data) return <p className="loading">Loading the fleet…</p>;
  const { agents, sites, certificates, deployments } = fleet.data;
  const expiring = certificates.items
    .filter((c) => c.daysLeft !== null && c.daysLeft <= 30)
    .sort((a, b) => (a.daysLeft ?? 0) - (b.daysLeft ?? 0));
  const count = (type: string, items: { id: string }[], status: string) =>
    items.filter((i) => health.worst(type, i.id) === status).length;

  return (
    <div data-testid="overview" data-render-ms={renderMs === null ? undefined : renderMs.toFixed(1)}>
      <PageHeader title="Overview">
        <span className={`live ${health.live ? 'on' : ''}`}>{health.live ? '● live' : '○ connecting'}</span>
      </PageHeader>
      <div className="stats">
        <Stat label="Agents" value={agents.total} down={count('agent', agents.items, 'down')} />
        <Stat label="Sites" value={sites.total} down={count('site', sites.items, 'down')} />
        <Stat label="Certificates expiring ≤ 30 days" value={expiring.length} />
      </div>
      {agents.total === 0 && sites.total === 0 ? (
        <Empty title="Your fleet is empty">
          Start by <Link href="/agents">adding an agent</Link> (a host running nginx or Apache), then create
          an <Link href="/upstreams">upstream</Link> and a <Link href="/sites">site</Link> that routes to it,
          and <Link href="/deployments">deploy</Link>.
        </Empty>
      ) : null}
      <section>
        <h2>Agents</h2>
        <div className="tiles">
          {agents.items.map((a) => (
            <Link key={a.id} href={`/agents/${a.id}`} className="tile" data-agent={a.name}>
              <HealthDot status={health.worst('agent', a.id)} /> {a.name}
            </Link>
          ))}
        </div>
      </section>
      <section>
        <h2>Sites</h2>
        <div className="tiles">
          {sites.items.map((s) => (
            <Link key={s.id} href={`/sites/${s.id}`} className="tile" data-site={s.name}>
              <HealthDot status={health.worst('site', s.id)} /> {s.name}
            </Link>
          ))}
        </div>
      </section>
      <div className="columns">
        <section>
          <h2>Certificates expiring soon</h2>
          {expiring.length === 0 ? (
            <p className="muted">None expires within 30 days.</p>
          ) : (
            <table>
              <tbody>
                {expiring.slice(0, 10).map((c) => (
                  <tr key={c.id}>
                    <td>{c.domains.join(', ')}</td>
                    <td className={(c.daysLeft ?? 0) < 7 ? 'bad' : 'warn'}>{c.daysLeft} days</td>
                  </tr>
                ))}
              </tbody>
            </table>
          )}
        </section>
        <section>
          <h2>Last deployments</h2>
          {deployments.items.length === 0 ? (
            <p className="muted">Nothing deployed yet.</p>
          ) : (
            <table>
              <tbody>
                {deployments.items.map((d) => (
                  <tr key={d.id}>
                    <td>
                      <Link href={`/deployments/${d.id}`}>
                        {d.kind} r{d.revision}
                      </Link>
                    </td>
                    <td>
                      <Badge value={d.status} />
                    </td>
                    <td className="muted">{when(d.createdAt)}</td>
                  </tr>
                ))}
              </tbody>
            </table>
          )}
        </section>
      </div>
    </div>
  );
}

function Stat({ label, value, down }: { label: string; value: number; down?: number }) {
  return (
    <div className="stat">
      <div className="value">{value}</div>
      <div className="muted">{label}</div>
      {down ? <div className="bad">{down} down</div> : null}
    </div>
  );
}
