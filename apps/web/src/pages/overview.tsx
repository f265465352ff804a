import { memo, useLayoutEffect, useRef, useState } from 'react';
import { Link } from 'wouter';
import type { HealthStatus } from '../api/client';
import { api, call } from '../api/client';
import type { AgentPage, CertificatePage, DeploymentPage, SitePage } from '../api/types';
import { Badge, Empty, ErrorNote, HealthDot, PageHeader, when } from '../components/ui';
import { useLoad } from '../components/use-load';
import { useFleetHealth } from '../live/use-fleet-health';

const PROBLEM = new Set<HealthStatus>(['degraded', 'down']);

interface FleetData {
  agents: AgentPage;
  sites: SitePage;
  certificates: CertificatePage;
  deployments: DeploymentPage;
  arrivedAt: number;
}

async function loadFleet(): Promise<FleetData> {
  const [agents, sites, certificates, deployments] = await Promise.all([
    call(api.GET('/api/v1/agents', { params: { query: { limit: 500 } } })),
    call(api.GET('/api/v1/sites', { params: { query: { limit: 500 } } })),
    call(api.GET('/api/v1/certificates', { params: { query: { limit: 200 } } })),
    call(api.GET('/api/v1/deployments', { params: { query: { limit: 8 } } })),
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
  // With hundreds of tiles, what needs a look: only what is amber or red.
  const [onlyProblems, setOnlyProblems] = useState(false);
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
  const shown = <T extends { id: string }>(type: string, items: T[]) =>
    onlyProblems ? items.filter((i) => PROBLEM.has(health.worst(type, i.id))) : items;

  return (
    <div
      data-testid="overview"
      data-render-ms={renderMs === null ? undefined : renderMs.toFixed(1)}
      data-filter={onlyProblems ? 'problems' : 'all'}
    >
      <PageHeader title="Overview">
        <label className="inline">
          <input
            type="checkbox"
            data-testid="only-problems"
            checked={onlyProblems}
            onChange={(e) => setOnlyProblems(e.target.checked)}
          />
          only problems
        </label>
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
          {shown('agent', agents.items).map((a) => (
            <Tile
              key={a.id}
              href={`/agents/${a.id}`}
              kind="agent"
              name={a.name}
              status={health.worst('agent', a.id)}
            />
          ))}
        </div>
      </section>
      <section>
        <h2>Sites</h2>
        <div className="tiles">
          {shown('site', sites.items).map((s) => (
            <Tile
              key={s.id}
              href={`/sites/${s.id}`}
              kind="site"
              name={s.name}
              status={health.worst('site', s.id)}
            />
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

/**
 * One agent or site on the overview. Memoized: a health flush re-renders the page, but only the
 * tiles whose colour changed are rendered again.
 */
const Tile = memo(function Tile({
  href,
  kind,
  name,
  status,
}: {
  href: string;
  kind: 'agent' | 'site';
  name: string;
  status: HealthStatus;
}) {
  return (
    <Link href={href} className="tile" {...{ [`data-${kind}`]: name }}>
      <HealthDot status={status} /> {name}
    </Link>
  );
});

function Stat({ label, value, down }: { label: string; value: number; down?: number }) {
  return (
    <div className="stat">
      <div className="value">{value}</div>
      <div className="muted">{label}</div>
      {down ? <div className="bad">{down} down</div> : null}
    </div>
  );
}
