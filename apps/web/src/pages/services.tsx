import { type FormEvent, useState } from 'react';
import { type ApiError, api, call, type Page } from '../api/client';
import type { Service } from '../api/views';
import { useSession } from '../auth/session';
import { Empty, ErrorNote, errorFor, Field, list, PageHeader } from '../components/ui';
import { useLoad } from '../components/use-load';

/** systemd units Portico installs on agents, with the Ollama and Open WebUI presets. */
export function ServicesPage() {
  const { can } = useSession();
  const services = useLoad(
    () => call<Page<Service>>(api.GET('/api/v1/services', { params: { query: { limit: 500 } } })),
    [],
  );
  const [adding, setAdding] = useState(false);
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
            </tr>
          </thead>
          <tbody>
            {services.data.items.map((s) => (
              <tr key={s.id}>
                <td>{s.name}</td>
                <td>{s.kind}</td>
                <td>
                  <code>{s.execStart ?? s.image ?? '—'}</code>
                </td>
                <td>{s.restart}</td>
                <td>{s.agents?.join(', ')}</td>
              </tr>
            ))}
          </tbody>
        </table>
      ) : null}
    </>
  );
}

function ServiceForm({ onDone }: { onDone: () => void }) {
  const [name, setName] = useState('');
  const [kind, setKind] = useState<Service['kind']>('generic');
  const [execStart, setExecStart] = useState('');
  const [image, setImage] = useState('');
  const [agents, setAgents] = useState('');
  const [error, setError] = useState<ApiError | null>(null);
  const errors = error?.fieldErrors ?? {};
  const submit = async (e: FormEvent) => {
    e.preventDefault();
    try {
      await call(
        api.POST('/api/v1/services', {
          body: {
            name,
            kind,
            ...(execStart ? { execStart } : {}),
            ...(image ? { image } : {}),
            agents: list(agents),
          },
        }),
      );
      onDone();
    } catch (err) {
      setError(err as ApiError);
    }
  };
  return (
    <form className="card form narrow" onSubmit={submit} aria-label="Service">
      <Field label="Unit name" error={errors.name} hint="without .service">
        <input value={name} onChange={(e) => setName(e.target.value)} />
      </Field>
      <Field label="Kind" error={errors.kind}>
        <select value={kind} onChange={(e) => setKind(e.target.value as Service['kind'])}>
          <option value="generic">generic command</option>
          <option value="ollama">Ollama preset</option>
          <option value="openwebui">Open WebUI preset (container)</option>
        </select>
      </Field>
      {kind === 'generic' ? (
        <Field label="ExecStart" error={errors.execStart}>
          <input value={execStart} onChange={(e) => setExecStart(e.target.value)} />
        </Field>
      ) : null}
      {kind === 'openwebui' ? (
        <Field label="Image" error={errors.image} hint="default: the preset's image">
          <input value={image} onChange={(e) => setImage(e.target.value)} />
        </Field>
      ) : null}
      <Field label="Agents" error={errorFor(errors, 'agents')} hint="agent names, comma separated">
        <input value={agents} onChange={(e) => setAgents(e.target.value)} />
      </Field>
      {error && Object.keys(errors).length === 0 ? <ErrorNote error={error} what="Not saved" /> : null}
      <div className="row">
        <button type="submit" className="primary">
          Create service
        </button>
        <button type="button" onClick={onDone}>
          Cancel
        </button>
      </div>
    </form>
  );
}
