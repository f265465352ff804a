import { useState } from 'react';
import { api, call } from '../api/client';
import { DraftProblem } from '../components/ui';
import { useDraftRender } from '../components/use-draft-render';
import type { SiteDraft } from './site-form';

/**
 * What deploy would write for the site as the form holds it, saved or not: the API renders the
 * draft (debounced while typing) through the deploy's renderer and stores nothing.
 */
export function SitePreview({
  draft,
  siteId,
  dirty,
}: {
  draft: SiteDraft;
  /** The saved site this draft edits (its own hostnames are then no conflict). */
  siteId?: string;
  /** The draft differs from what is saved. */
  dirty: boolean;
}) {
  const [flavor, setFlavor] = useState<'nginx' | 'apache'>('nginx');
  const render = useDraftRender(draft, `${flavor}:${siteId ?? ''}`, (body, signal) =>
    call(
      api.POST('/api/v1/sites/render-preview', {
        params: { query: { flavor, ...(siteId ? { siteId } : {}) } },
        body,
        signal,
      }),
    ),
  );
  return (
    <aside
      className="preview"
      data-testid="preview"
      data-state={render.state}
      data-draft={dirty ? 'unsaved' : 'saved'}
    >
      <div className="tabs" role="tablist">
        {(['nginx', 'apache'] as const).map((f) => (
          <button
            key={f}
            type="button"
            role="tab"
            aria-selected={flavor === f}
            className={flavor === f ? 'active' : ''}
            onClick={() => setFlavor(f)}
          >
            {f}
          </button>
        ))}
        <span className="muted">
          {render.state === 'rendering'
            ? 'rendering…'
            : dirty
              ? 'unsaved draft'
              : render.data
                ? `as saved (revision ${render.data.revision})`
                : ''}
        </span>
      </div>
      <DraftProblem error={render.error} what="This site cannot be rendered" />
      {!render.error && render.data?.warnings.length ? (
        <ul className="warn" data-testid="preview-warnings">
          {render.data.warnings.map((w) => (
            <li key={w.field}>
              <code>{w.field}</code> {w.message}: saving will be refused
            </li>
          ))}
        </ul>
      ) : null}
      {/* The last good render stays visible (dimmed) while the draft is being fixed. */}
      <div className={render.error ? 'stale' : ''}>
        {render.data?.files.map((f) => (
          <div key={f.path}>
            <div className="file-path">{f.path}</div>
            <pre className="config">{f.content}</pre>
          </div>
        ))}
      </div>
    </aside>
  );
}
