import { useMemo, useState } from 'react';
import type { HealthStatus } from '../api/client';
import { api, call } from '../api/client';
import type { HealthHistory, HealthItem } from '../api/types';
import { ResponseChart } from '../components/response-chart';
import { Empty, ErrorNote, HealthDot, PageHeader, when } from '../components/ui';
import { useLoad } from '../components/use-load';
import { useFleetHealth } from '../live/use-fleet-health';

const SUBJECTS = ['all', 'site', 'agent', 'upstream'] as const;

/** Every check, live; the selected one's response times as a chart, its states as a strip and a table. */
export function HealthPage() {
  const health = useFleetHealth();
  const [subject, setSubject] = useState<(typeof SUBJECTS)[number]>('all');
  const [selected, setSelected] = useState<string | null>(null);
  const items = [...health.checks.values()]
    .filter((i) => subject === 'all' || i.subjectType === subject)
    .sort((a, b) => a.checkKey.localeCompare(b.checkKey));
  return (
    <>
      <PageHeader title="Health">
        <select
          aria-label="Subject"
          value={subject}
          onChange={(e) => setSubject(e.target.value as typeof subject)}
        >
          {SUBJECTS.map((s) => (
            <option key={s} value={s}>
              {s === 'all' ? 'all checks' : `${s}s`}
            </option>
          ))}
        </select>
      </PageHeader>
      {items.length === 0 ? (
        <Empty title="No health checks yet">
          Portico checks every deployed site through each agent it is placed on, and each agent's proxy.
          Deploy a site to an agent and its checks appear here.
        </Empty>
      ) : (
        <table className="list">
          <thead>
            <tr>
              <th />
              <th>Check</th>
              <th>Since</th>
              <th>Last result</th>
              <th>Latency</th>
            </tr>
          </thead>
          <tbody>
            {items.map((i) => (
              <tr
                key={i.checkKey}
                className={selected === i.checkKey ? 'selected' : ''}
                onClick={() => setSelected(i.checkKey)}
                data-check={i.checkKey}
                data-subject={`${i.subjectType}:${i.subjectId}`}
              >
                <td>
                  <HealthDot status={i.status} />
                </td>
                <td>
                  <button type="button" className="link">
                    {i.checkKey}
                  </button>
                </td>
                <td className="muted">{when(i.since)}</td>
                <td>{i.latest?.message ?? '—'}</td>
                <td>{i.latest ? `${Math.round(i.latest.latencyMs)} ms` : '—'}</td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
      {selected ? <CheckHistory item={health.checks.get(selected)} checkKey={selected} /> : null}
    </>
  );
}

const COLOR: Record<HealthStatus, string> = {
  up: '#2f9e44',
  degraded: '#f08c00',
  down: '#e03131',
  unknown: '#adb5bd',
};

function CheckHistory({ checkKey, item }: { checkKey: string; item: HealthItem | undefined }) {
  const events = useLoad(
    () => call(api.GET('/api/v1/health/events', { params: { query: { checkKey, limit: 200 } } })),
    [checkKey, item?.status],
  );
  // Refetched with every new result of the check, so the chart moves live.
  const history = useLoad(
    () =>
      item
        ? call(
            api.GET('/api/v1/health/history', {
              params: {
                query: {
                  subjectType: item.subjectType as 'site' | 'agent' | 'upstream',
                  subjectId: item.subjectId,
                },
              },
            }),
          )
        : Promise.resolve<HealthHistory>({ items: [] }),
    [checkKey, item?.latest?.at],
  );
  const samples = history.data?.items.find((i) => i.checkKey === checkKey)?.samples ?? [];
  // Oldest first: each transition starts a segment that lasts until the next one (or now).
  const segments = useMemo(() => {
    const list = [...(events.data?.items ?? [])].reverse();
    const now = Date.now();
    const start = list[0] ? new Date(list[0].at).getTime() : now;
    const span = Math.max(now - start, 1);
    return list.map((e, i) => {
      const from = new Date(e.at).getTime();
      const to = list[i + 1] ? new Date(list[i + 1]!.at).getTime() : now;
      return {
        x: ((from - start) / span) * 100,
        w: Math.max(((to - from) / span) * 100, 0.3),
        status: e.to,
        e,
      };
    });
  }, [events.data]);
  return (
    <section className="card" data-testid="check-history">
      <h2>History of {checkKey}</h2>
      <h3>Response time</h3>
      <ErrorNote error={history.error} what="Could not load the response times" />
      <ResponseChart samples={samples} />
      <h3>State over time</h3>
      <ErrorNote error={events.error} what="Could not load the history" />
      {segments.length ? (
        <svg
          className="strip"
          viewBox="0 0 100 6"
          preserveAspectRatio="none"
          role="img"
          aria-label="state over time"
        >
          {segments.map((s) => (
            <rect key={s.e.id} x={s.x} y={0} width={s.w} height={6} fill={COLOR[s.status]}>
              <title>
                {s.status} from {new Date(s.e.at).toLocaleString()}
              </title>
            </rect>
          ))}
        </svg>
      ) : (
        <p className="muted">No transitions recorded yet.</p>
      )}
      <table>
        <tbody>
          {events.data?.items.map((e) => (
            <tr key={e.id}>
              <td className="muted">{new Date(e.at).toLocaleString()}</td>
              <td>
                <HealthDot status={e.from} /> {e.from} → <HealthDot status={e.to} /> {e.to}
              </td>
              <td className="muted">{(e.detail as { message?: string } | null)?.message ?? ''}</td>
            </tr>
          ))}
        </tbody>
      </table>
    </section>
  );
}
