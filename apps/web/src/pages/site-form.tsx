import { type FormEvent, useEffect, useRef, useState } from 'react';
import { type ApiError, api, call } from '../api/client';
import type { components } from '../api/schema';
import type { Site } from '../api/types';
import { useSession } from '../auth/session';
import { ErrorNote, errorFor, Field, formatLabels, list, parseLabels } from '../components/ui';
import { useLoad } from '../components/use-load';

type Route = { pathPrefix: string; upstream: string; streaming: boolean };

/** What the form holds, as the body of a create: what the live preview renders. */
export type SiteDraft = components['schemas']['CreateSite'];

/** Settings of a saved site the form does not show; a draft keeps them so it renders the same. */
function hiddenSettings(site: Site | null): Partial<SiteDraft> {
  if (!site) return {};
  const { readTimeoutSec, sendTimeoutSec, maxBodyMb, responseHeaders, upstreamHeaders, certificateId } = site;
  return {
    readTimeoutSec,
    sendTimeoutSec,
    maxBodyMb,
    responseHeaders,
    upstreamHeaders,
    ...(certificateId ? { certificateId } : {}),
  };
}

/**
 * Create or edit a site; the API's 400 details appear under the fields they name. Every change
 * is reported through onDraft (with whether it differs from what was loaded) for the preview.
 */
export function SiteForm({
  site,
  onSaved,
  onDeleted,
  onDraft,
}: {
  site: Site | null;
  onSaved: (s: Site) => void;
  onDeleted: () => void;
  onDraft?: (draft: SiteDraft, changed: boolean) => void;
}) {
  const { can } = useSession();
  const readOnly = !can('write');
  const choices = useLoad(
    () =>
      Promise.all([
        call(api.GET('/api/v1/upstreams', { params: { query: { limit: 500 } } })),
        call(api.GET('/api/v1/agents', { params: { query: { limit: 500 } } })),
      ]),
    [],
  );
  const [name, setName] = useState(site?.name ?? '');
  const [hostnames, setHostnames] = useState(site?.hostnames.join(', ') ?? '');
  const [routes, setRoutes] = useState<Route[]>(
    site?.routes.map(({ pathPrefix, upstream, streaming }) => ({ pathPrefix, upstream, streaming })) ?? [
      { pathPrefix: '/', upstream: '', streaming: false },
    ],
  );
  const [tlsMode, setTlsMode] = useState(site?.tlsMode ?? 'off');
  const [httpsRedirect, setHttpsRedirect] = useState(site?.httpsRedirect ?? true);
  const [hsts, setHsts] = useState(site?.hsts ?? false);
  const [websocket, setWebsocket] = useState(site?.websocket ?? true);
  const [agents, setAgents] = useState<string[]>(site?.agents ?? []);
  const [labels, setLabels] = useState(formatLabels(site?.labels));
  const [error, setError] = useState<ApiError | null>(null);
  const [busy, setBusy] = useState(false);
  const errors = error?.fieldErrors ?? {};

  const body = {
    name,
    hostnames: list(hostnames),
    routes,
    tlsMode,
    httpsRedirect,
    hsts,
    websocket,
    agents,
    labels: parseLabels(labels),
  };
  const draft = JSON.stringify({ ...hiddenSettings(site), ...body });
  const loaded = useRef(draft);
  const report = useRef(onDraft);
  report.current = onDraft;
  useEffect(() => {
    report.current?.(JSON.parse(draft) as SiteDraft, draft !== loaded.current);
  }, [draft]);

  const submit = async (e: FormEvent) => {
    e.preventDefault();
    setBusy(true);
    try {
      const saved = site
        ? await call(
            api.PATCH('/api/v1/sites/{id}', {
              params: { path: { id: site.id } },
              body: { ...body, version: site.version },
            }),
          )
        : await call(api.POST('/api/v1/sites', { body }));
      setError(null);
      onSaved(saved);
    } catch (err) {
      setError(err as ApiError);
    } finally {
      setBusy(false);
    }
  };

  const remove = async () => {
    if (!site || !confirm(`Delete site ${site.name}? It is removed from hosts at the next deployment.`))
      return;
    try {
      await call(api.DELETE('/api/v1/sites/{id}', { params: { path: { id: site.id } } }));
      onDeleted();
    } catch (err) {
      setError(err as ApiError);
    }
  };

  const setRoute = (i: number, patch: Partial<Route>) =>
    setRoutes((rs) => rs.map((r, j) => (j === i ? { ...r, ...patch } : r)));
  const upstreams = choices.data?.[0].items ?? [];
  const agentChoices = choices.data?.[1].items ?? [];

  return (
    <form className="card form" onSubmit={submit} aria-label="Site">
      <fieldset disabled={readOnly || busy}>
        {readOnly ? <p className="muted">Read-only: your role cannot change sites.</p> : null}
        <Field label="Name" error={errors.name}>
          <input name="name" value={name} onChange={(e) => setName(e.target.value)} />
        </Field>
        <Field label="Hostnames" error={errorFor(errors, 'hostnames')} hint="comma or space separated">
          <input name="hostnames" value={hostnames} onChange={(e) => setHostnames(e.target.value)} />
        </Field>
        <div className={`field${errorFor(errors, 'routes') ? ' invalid' : ''}`}>
          <span className="label">Routes</span>
          {routes.map((r, i) => (
            // biome-ignore lint/suspicious/noArrayIndexKey: rows have no identity but their position
            <div className="row" key={i}>
              <input
                aria-label="Path prefix"
                value={r.pathPrefix}
                onChange={(e) => setRoute(i, { pathPrefix: e.target.value })}
              />
              <select
                aria-label="Upstream"
                name={`route-${i}-upstream`}
                value={r.upstream}
                onChange={(e) => setRoute(i, { upstream: e.target.value })}
              >
                <option value="">— upstream —</option>
                {upstreams.map((u) => (
                  <option key={u.id} value={u.name}>
                    {u.name}
                  </option>
                ))}
              </select>
              <label className="inline">
                <input
                  type="checkbox"
                  checked={r.streaming}
                  onChange={(e) => setRoute(i, { streaming: e.target.checked })}
                />
                streaming
              </label>
              <button
                type="button"
                className="link"
                onClick={() => setRoutes((rs) => rs.filter((_, j) => j !== i))}
              >
                remove
              </button>
            </div>
          ))}
          <button
            type="button"
            className="link"
            onClick={() => setRoutes((rs) => [...rs, { pathPrefix: '/', upstream: '', streaming: false }])}
          >
            + add route
          </button>
          {errorFor(errors, 'routes') ? (
            <span className="field-error">{errorFor(errors, 'routes')}</span>
          ) : null}
        </div>
        <div className="row">
          <Field label="TLS" error={errors.tlsMode}>
            <select value={tlsMode} onChange={(e) => setTlsMode(e.target.value as Site['tlsMode'])}>
              <option value="off">off</option>
              <option value="acme">ACME (Let's Encrypt)</option>
              <option value="uploaded">uploaded certificate</option>
            </select>
          </Field>
          <Check label="HTTPS redirect" value={httpsRedirect} set={setHttpsRedirect} />
          <Check label="HSTS" value={hsts} set={setHsts} />
          <Check label="WebSocket" value={websocket} set={setWebsocket} />
        </div>
        <div className={`field${errorFor(errors, 'agents') ? ' invalid' : ''}`}>
          <span className="label">Placement on agents</span>
          {agentChoices.length === 0 ? (
            <span className="muted">No agents yet: the site is not deployed anywhere.</span>
          ) : null}
          <div className="checks">
            {agentChoices.map((a) => (
              <label key={a.id} className="inline">
                <input
                  type="checkbox"
                  checked={agents.includes(a.name)}
                  onChange={(e) =>
                    setAgents((xs) => (e.target.checked ? [...xs, a.name] : xs.filter((x) => x !== a.name)))
                  }
                />
                {a.name}
              </label>
            ))}
          </div>
          {errorFor(errors, 'agents') ? (
            <span className="field-error">{errorFor(errors, 'agents')}</span>
          ) : null}
        </div>
        <Field label="Labels" error={errorFor(errors, 'labels')} hint="key=value, comma separated">
          <input value={labels} onChange={(e) => setLabels(e.target.value)} />
        </Field>
        {error && Object.keys(errors).length === 0 ? <ErrorNote error={error} what="Not saved" /> : null}
        {error && Object.keys(errors).length > 0 ? (
          <p className="error" role="alert">
            Not saved: fix the highlighted fields.
          </p>
        ) : null}
        {readOnly ? null : (
          <div className="row">
            <button type="submit" className="primary">
              {busy ? 'Saving…' : site ? 'Save' : 'Create site'}
            </button>
            {site ? (
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

function Check({ label, value, set }: { label: string; value: boolean; set: (v: boolean) => void }) {
  return (
    <label className="inline">
      <input type="checkbox" checked={value} onChange={(e) => set(e.target.checked)} />
      {label}
    </label>
  );
}
