import type { ReactNode } from 'react';
import type { ApiError, HealthStatus } from '../api/client';

const HEALTH_LABEL: Record<HealthStatus, string> = {
  up: 'healthy',
  degraded: 'degraded',
  down: 'down',
  unknown: 'not checked yet',
};

/** Green / amber / red / grey dot with its meaning as text for screen readers and tests. */
export function HealthDot({ status }: { status: HealthStatus }) {
  return (
    <span className={`dot dot-${status}`} title={HEALTH_LABEL[status]} data-health={status}>
      <span className="sr-only">{HEALTH_LABEL[status]}</span>
    </span>
  );
}

export function Badge({ value }: { value: string }) {
  return <span className={`badge badge-${value}`}>{value.replace(/_/g, ' ')}</span>;
}

export function ErrorNote({ error, what }: { error: ApiError | Error | null | undefined; what?: string }) {
  if (!error) return null;
  const code = 'code' in error ? error.code : '';
  const hint =
    code === 'FORBIDDEN'
      ? 'Your role does not allow this; ask an admin.'
      : code === 'VERSION_CONFLICT'
        ? 'Someone else changed it meanwhile: reload and apply your change again.'
        : code === 'NETWORK'
          ? 'Check that the Portico API is running.'
          : '';
  return (
    <div className="error" role="alert">
      {what ? <strong>{what}: </strong> : null}
      {error.message}
      {code && code !== 'UNKNOWN' ? <code className="code">{code}</code> : null}
      {hint ? <div className="hint">{hint}</div> : null}
    </div>
  );
}

/**
 * Why a draft preview shows nothing new: a 400 lists what is still missing (the draft is being
 * typed, so not as an error), anything else is an error note.
 */
export function DraftProblem({ error, what }: { error: ApiError | null; what: string }) {
  if (!error) return null;
  if (error.code !== 'VALIDATION_FAILED')
    return (
      <ErrorNote
        error={error}
        what={['RENDER_FAILED', 'INVARIANT_VIOLATED'].includes(error.code) ? what : 'Preview failed'}
      />
    );
  return (
    <div className="callout" data-testid="preview-incomplete">
      <strong>Not renderable yet:</strong>
      <ul>
        {Object.entries(error.fieldErrors).map(([field, message]) => (
          <li key={field}>
            <code>{field}</code> {message}
          </li>
        ))}
      </ul>
    </div>
  );
}

export function Empty({ title, children }: { title: string; children?: ReactNode }) {
  return (
    <div className="empty">
      <strong>{title}</strong>
      {children ? <div>{children}</div> : null}
    </div>
  );
}

export function Field({
  label,
  error,
  hint,
  children,
}: {
  label: string;
  error?: string;
  hint?: string;
  children: ReactNode;
}) {
  return (
    // biome-ignore lint/a11y/noLabelWithoutControl: the control is passed in as children
    <label className={`field${error ? ' invalid' : ''}`}>
      <span className="label">{label}</span>
      {children}
      {error ? (
        <span className="field-error">{error}</span>
      ) : hint ? (
        <span className="hint">{hint}</span>
      ) : null}
    </label>
  );
}

export function PageHeader({ title, children }: { title: string; children?: ReactNode }) {
  return (
    <header className="page-header">
      <h1>{title}</h1>
      <div className="actions">{children}</div>
    </header>
  );
}

export function when(iso: string | null | undefined): string {
  if (!iso) return '—';
  const d = new Date(iso);
  const s = Math.round((Date.now() - d.getTime()) / 1000);
  if (s < 60) return `${Math.max(s, 0)} s ago`;
  if (s < 3600) return `${Math.round(s / 60)} min ago`;
  if (s < 86_400) return `${Math.round(s / 3600)} h ago`;
  return d.toLocaleDateString();
}

/** Splits "a, b\nc" into ["a","b","c"]. */
export function list(text: string): string[] {
  return text
    .split(/[\s,]+/)
    .map((s) => s.trim())
    .filter(Boolean);
}

/** "k=v, k2=v2" ↔ {k: v, k2: v2}. */
export function parseLabels(text: string): Record<string, string> {
  return Object.fromEntries(
    list(text).map((pair) => {
      const [k, ...v] = pair.split('=');
      return [k ?? '', v.join('=')];
    }),
  );
}

export function formatLabels(labels: Record<string, string> | undefined): string {
  return Object.entries(labels ?? {})
    .map(([k, v]) => `${k}=${v}`)
    .join(', ');
}

/** The API's message for a field or anything beneath it ("routes" matches "routes.0.upstream"). */
export function errorFor(errors: Record<string, string>, field: string): string | undefined {
  if (errors[field]) return errors[field];
  const key = Object.keys(errors).find((k) => k.startsWith(`${field}.`));
  return key ? `${key.slice(field.length + 1)}: ${errors[key]}` : undefined;
}
