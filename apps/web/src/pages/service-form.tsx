import { type FormEvent, useState } from 'react';
import { type ApiError, api, call } from '../api/client';
import type { components } from '../api/schema';
import type { Service, UnitDraftRender } from '../api/types';
import { DraftProblem, ErrorNote, errorFor, Field, list } from '../components/ui';
import { useDraftRender } from '../components/use-draft-render';

/** What the form holds, as the body of a create: what the unit preview renders. */
export type ServiceDraft = components['schemas']['CreateService'];

/** Create a service; the systemd unit it would install is rendered live as the form changes. */
export function ServiceForm({ onDone }: { onDone: () => void }) {
  const [name, setName] = useState('');
  const [kind, setKind] = useState<Service['kind']>('generic');
  const [execStart, setExecStart] = useState('');
  const [image, setImage] = useState('');
  const [agents, setAgents] = useState('');
  const [error, setError] = useState<ApiError | null>(null);
  const errors = error?.fieldErrors ?? {};
  // Once the form changes, the preview reports what is still wrong; the last save's errors go.
  const edit =
    <T,>(set: (v: T) => void) =>
    (v: T) => {
      setError(null);
      set(v);
    };
  const draft: ServiceDraft = {
    name,
    kind,
    ...(kind === 'generic' && execStart ? { execStart } : {}),
    ...(kind === 'openwebui' && image ? { image } : {}),
    agents: list(agents),
  };
  const submit = async (e: FormEvent) => {
    e.preventDefault();
    try {
      await call(api.POST('/api/v1/services', { body: draft }));
      onDone();
    } catch (err) {
      setError(err as ApiError);
    }
  };
  return (
    <div className="split">
      <form className="card form" onSubmit={submit} aria-label="Service">
        <Field label="Unit name" error={errors.name} hint="without .service">
          <input name="name" value={name} onChange={(e) => edit(setName)(e.target.value)} />
        </Field>
        <Field label="Kind" error={errors.kind}>
          <select name="kind" value={kind} onChange={(e) => edit(setKind)(e.target.value as Service['kind'])}>
            <option value="generic">generic command</option>
            <option value="ollama">Ollama preset</option>
            <option value="openwebui">Open WebUI preset (container)</option>
          </select>
        </Field>
        {kind === 'generic' ? (
          <Field label="ExecStart" error={errors.execStart}>
            <input name="execStart" value={execStart} onChange={(e) => edit(setExecStart)(e.target.value)} />
          </Field>
        ) : null}
        {kind === 'openwebui' ? (
          <Field label="Image" error={errors.image} hint="default: the preset's image">
            <input name="image" value={image} onChange={(e) => edit(setImage)(e.target.value)} />
          </Field>
        ) : null}
        <Field label="Agents" error={errorFor(errors, 'agents')} hint="agent names, comma separated">
          <input name="agents" value={agents} onChange={(e) => edit(setAgents)(e.target.value)} />
        </Field>
        {error && Object.keys(errors).length === 0 ? <ErrorNote error={error} what="Not saved" /> : null}
        {error && Object.keys(errors).length > 0 ? (
          <p className="error" role="alert">
            Not saved: fix the highlighted fields.
          </p>
        ) : null}
        <div className="row">
          <button type="submit" className="primary">
            Create service
          </button>
          <button type="button" onClick={onDone}>
            Cancel
          </button>
        </div>
      </form>
      <UnitPreview draft={name ? draft : null} />
    </div>
  );
}

/** The unit file the draft would install, rendered by the API; nothing is saved. */
function UnitPreview({ draft }: { draft: ServiceDraft | null }) {
  const render = useDraftRender(draft, '', (body, signal) =>
    call(api.POST('/api/v1/services/render-preview', { body, signal })),
  );
  if (!draft) return <aside className="preview muted">The systemd unit appears here as you type.</aside>;
  return <UnitFile testId="unit-preview" render={render.data} error={render.error} state={render.state} />;
}

/** A rendered unit (live draft or saved service) with what stopped the latest render. */
export function UnitFile({
  testId,
  render,
  error,
  state,
}: {
  testId: string;
  /** A saved service's unit (GET …/render) or a draft's (render-preview): both carry the file. */
  render: UnitDraftRender | undefined;
  error: ApiError | null;
  state?: string;
}) {
  return (
    <aside className="preview" data-testid={testId} data-state={state}>
      <DraftProblem error={error} what="This service cannot be rendered" />
      {render ? (
        <div className={error ? 'stale' : ''}>
          <div className="file-path">{render.file.path}</div>
          <pre className="config">{render.file.content}</pre>
        </div>
      ) : null}
    </aside>
  );
}
