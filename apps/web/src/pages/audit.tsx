import { useState } from 'react';
import { api, call, type Page } from '../api/client';
import type { AuditEvent } from '../api/views';
import { Empty, ErrorNote, PageHeader } from '../components/ui';
import { useLoad } from '../components/use-load';

const PAGE = 50;

export function AuditPage() {
  const [offset, setOffset] = useState(0);
  const [actor, setActor] = useState('');
  const [targetType, setTargetType] = useState('');
  const audit = useLoad(
    () =>
      call<Page<AuditEvent>>(
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
        <input
          placeholder="target type (site, agent…)"
          aria-label="Target type"
          value={targetType}
          onChange={(e) => {
            setOffset(0);
            setTargetType(e.target.value);
          }}
        />
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
                <tr key={e.id}>
                  <td className="muted">{new Date(e.at).toLocaleString()}</td>
                  <td>
                    {e.actorLabel ?? '—'} <span className="muted">({e.actorType})</span>
                  </td>
                  <td>{e.action}</td>
                  <td>
                    {e.targetType} <code className="muted">{e.targetId?.slice(0, 8)}</code>
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
