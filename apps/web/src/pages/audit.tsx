import { useState } from 'react';
import { api, call } from '../api/client';
import type { AuditEvent } from '../api/types';
import { Empty, ErrorNote, PageHeader } from '../components/ui';
import { useLoad } from '../components/use-load';

const PAGE = 50;
const TARGET_TYPES = [
  'site',
  'upstream',
  'service',
  'agent',
  'deployment',
  'certificate',
  'acme-account',
  'user',
  'token',
  'session',
  'fleet',
];

/** What the change was about, from its snapshot: a name, an email or the certificate's domains. */
function targetLabel(e: AuditEvent): string {
  const snapshot = (e.after ?? e.before ?? {}) as { name?: unknown; email?: unknown; domains?: unknown };
  if (typeof snapshot.name === 'string') return snapshot.name;
  if (typeof snapshot.email === 'string') return snapshot.email;
  if (Array.isArray(snapshot.domains)) return snapshot.domains.join(', ');
  return '';
}

export function AuditPage() {
  const [offset, setOffset] = useState(0);
  const [actor, setActor] = useState('');
  const [targetType, setTargetType] = useState('');
  const audit = useLoad(
    () =>
      call(
        api.GET('/api/v1/audit', {
          params: {
            query: {
              limit: PAGE,
              offset,
              ...(actor ? { actor } : {}),
              ...(targetType ? { targetType } : {}),
            },
          },
        }),
      ),
    [offset, actor, targetType],
  );
  return (
    <>
      <PageHeader title="Audit log">
        <input
          placeholder="actor email"
          aria-label="Actor"
          value={actor}
          onChange={(e) => {
            setOffset(0);
            setActor(e.target.value);
          }}
        />
        <select
          aria-label="Target type"
          value={targetType}
          onChange={(e) => {
            setOffset(0);
            setTargetType(e.target.value);
          }}
        >
          <option value="">every target type</option>
          {TARGET_TYPES.map((t) => (
            <option key={t}>{t}</option>
          ))}
        </select>
      </PageHeader>
      <ErrorNote error={audit.error} what="Could not load the audit log" />
      {audit.data?.items.length === 0 ? <Empty title="No changes recorded for this filter." /> : null}
      {audit.data?.items.length ? (
        <>
          <table className="list">
            <thead>
              <tr>
                <th>When</th>
                <th>Who</th>
                <th>Action</th>
                <th>Target</th>
              </tr>
            </thead>
            <tbody>
              {audit.data.items.map((e) => (
                <tr key={e.id} data-action={e.action}>
                  <td className="muted" title={e.at}>
                    {new Date(e.at).toLocaleString()}
                  </td>
                  <td>
                    {e.actorLabel ?? '—'} <span className="muted">({e.actorType})</span>
                  </td>
                  <td>{e.action}</td>
                  <td>
                    {e.targetType} <strong>{targetLabel(e)}</strong>{' '}
                    <code className="muted">{e.targetId?.slice(0, 8)}</code>
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
          <div className="row">
            <button
              type="button"
              disabled={offset === 0}
              onClick={() => setOffset(Math.max(0, offset - PAGE))}
            >
              Newer
            </button>
            <span className="muted">
              {offset + 1}–{offset + audit.data.items.length} of {audit.data.total}
            </span>
            <button
              type="button"
              disabled={offset + PAGE >= audit.data.total}
              onClick={() => setOffset(offset + PAGE)}
            >
              Older
            </button>
          </div>
        </>
      ) : null}
    </>
  );
}
