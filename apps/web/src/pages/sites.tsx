import { useState } from 'react';
import { Link, Route, Switch, useLocation } from 'wouter';
import { api, call } from '../api/client';
import { useSession } from '../auth/session';
import { Empty, ErrorNote, formatLabels, PageHeader } from '../components/ui';
import { useLoad } from '../components/use-load';
import { SiteDoctor } from './site-doctor';
import { type SiteDraft, SiteForm } from './site-form';
import { SitePreview } from './site-preview';

export function SitesPage() {
  return (
    <Switch>
      <Route path="/" component={SiteList} />
      <Route path="/new">
        <SiteEditor />
      </Route>
      <Route path="/:id">{(p) => <SiteEditor id={p.id} />}</Route>
    </Switch>
  );
}

function SiteList() {
  const { can } = useSession();
  const [q, setQ] = useState('');
  const sites = useLoad(
    () =>
      call(
        api.GET('/api/v1/sites', { params: { query: { limit: 500, ...(q ? { q: q.slice(0, 64) } : {}) } } }),
      ),
    [q],
  );
  return (
    <>
      <PageHeader title="Sites">
        <input
          type="search"
          placeholder="Search by name"
          aria-label="Search sites"
          value={q}
          onChange={(e) => setQ(e.target.value)}
        />
        {can('write') ? (
          <Link href="/new" className="button primary">
            New site
          </Link>
        ) : null}
      </PageHeader>
      <ErrorNote error={sites.error} what="Could not load sites" />
      {sites.data && sites.data.items.length === 0 ? (
        q ? (
          <Empty title={`No site matches “${q}”.`} />
        ) : (
          <Empty title="No sites yet">
            A site is a set of hostnames routed to upstreams. Create an{' '}
            <Link href="~/upstreams">upstream</Link> first, then a site that points at it.
          </Empty>
        )
      ) : null}
      {sites.data && sites.data.items.length > 0 ? (
        <table className="list">
          <thead>
            <tr>
              <th>Name</th>
              <th>Hostnames</th>
              <th>Routes</th>
              <th>TLS</th>
              <th>Agents</th>
              <th>Labels</th>
            </tr>
          </thead>
          <tbody>
            {sites.data.items.map((s) => (
              <tr key={s.id}>
                <td>
                  <Link href={`/${s.id}`}>{s.name}</Link>
                </td>
                <td>{s.hostnames.join(', ')}</td>
                <td>{s.routes.map((r) => `${r.pathPrefix} → ${r.upstream}`).join(', ')}</td>
                <td>{s.tlsMode}</td>
                <td>{s.agents.join(', ') || <span className="muted">none</span>}</td>
                <td className="muted">{formatLabels(s.labels)}</td>
              </tr>
            ))}
          </tbody>
        </table>
      ) : null}
    </>
  );
}

function SiteEditor({ id }: { id?: string }) {
  const [, navigate] = useLocation();
  const [saved, setSaved] = useState(0);
  const [draft, setDraft] = useState<{ body: SiteDraft; changed: boolean } | null>(null);
  const site = useLoad(
    () => (id ? call(api.GET('/api/v1/sites/{id}', { params: { path: { id } } })) : Promise.resolve(null)),
    [id, saved],
  );
  if (site.error) return <ErrorNote error={site.error} what="Could not load the site" />;
  if (site.data === undefined) return <p className="loading">Loading…</p>;
  return (
    <>
      <PageHeader title={site.data ? `Site ${site.data.name}` : 'New site'}>
        <Link href="/">All sites</Link>
      </PageHeader>
      <div className="split">
        <SiteForm
          key={site.data?.version ?? 'new'}
          site={site.data}
          onSaved={(s) => {
            if (!id) navigate(`/${s.id}`);
            else setSaved((n) => n + 1);
          }}
          onDeleted={() => navigate('/')}
          onDraft={(body, changed) => setDraft({ body, changed })}
        />
        {draft && (site.data || draft.changed) ? (
          <SitePreview draft={draft.body} siteId={site.data?.id} dirty={draft.changed || !site.data} />
        ) : (
          <aside className="preview muted">
            The rendered nginx and Apache config appears here as you type, before anything is saved.
          </aside>
        )}
      </div>
      {site.data ? <SiteDoctor siteId={site.data.id} /> : null}
    </>
  );
}
