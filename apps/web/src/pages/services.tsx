import { Fragment, useState } from 'react';
import { api, call } from '../api/client';
import { useSession } from '../auth/session';
import { Empty, ErrorNote, PageHeader } from '../components/ui';
import { useLoad } from '../components/use-load';
import { ServiceForm, UnitFile } from './service-form';

/** systemd units Portico installs on agents, with the Ollama and Open WebUI presets. */
export function ServicesPage() {
  const { can } = useSession();
  const services = useLoad(
    () => call(api.GET('/api/v1/services', { params: { query: { limit: 500 } } })),
    [],
  );
  const [adding, setAdding] = useState(false);
  const [shown, setShown] = useState<string | null>(null);
  return (
    <>
      <PageHeader title="Services">
        {can('write') && !adding ? (
          <button type="button" className="primary" onClick={() => setAdding(true)}>
            New service
          </button>
        ) : null}
      </PageHeader>
      {adding ? (
        <ServiceForm
          onDone={() => {
            setAdding(false);
            services.reload();
          }}
        />
      ) : null}
      <ErrorNote error={services.error} what="Could not load services" />
      {services.data?.items.length === 0 && !adding ? (
        <Empty title="No services yet">
          A service is a systemd unit Portico installs and keeps running on agents — a command of your own, or
          the Ollama and Open WebUI presets.
        </Empty>
      ) : null}
      {services.data?.items.length ? (
        <table className="list">
          <thead>
            <tr>
              <th>Name</th>
              <th>Kind</th>
              <th>Runs</th>
              <th>Restart</th>
              <th>Agents</th>
              <th />
            </tr>
          </thead>
          <tbody>
            {services.data.items.map((s) => (
              <Fragment key={s.id}>
                <tr data-service={s.name}>
                  <td>{s.name}</td>
                  <td>{s.kind}</td>
                  <td>
                    <code>{s.execStart ?? s.image ?? 'preset default'}</code>
                  </td>
                  <td>{s.restart}</td>
                  <td>{s.agents?.join(', ') || <span className="muted">none</span>}</td>
                  <td>
                    <button
                      type="button"
                      className="link"
                      aria-expanded={shown === s.id}
                      onClick={() => setShown(shown === s.id ? null : s.id)}
                    >
                      {shown === s.id ? 'hide unit' : 'show unit'}
                    </button>
                  </td>
                </tr>
                {shown === s.id ? (
                  <tr>
                    <td colSpan={6}>
                      <SavedUnit id={s.id} version={s.version} />
                    </td>
                  </tr>
                ) : null}
              </Fragment>
            ))}
          </tbody>
        </table>
      ) : null}
    </>
  );
}

/** The unit a saved service installs on its agents, as the next deployment would write it. */
function SavedUnit({ id, version }: { id: string; version: number }) {
  const unit = useLoad(
    () => call(api.GET('/api/v1/services/{id}/render', { params: { path: { id } } })),
    [id, version],
  );
  return <UnitFile testId="unit" render={unit.data} error={unit.error} />;
}
