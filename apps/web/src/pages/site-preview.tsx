import { useState } from 'react';
import { api, call } from '../api/client';
import type { SiteRender } from '../api/views';
import { ErrorNote } from '../components/ui';
import { useLoad } from '../components/use-load';

/** What deploy would write for this site, rendered by the API from the saved state. */
export function SitePreview({ siteId, version }: { siteId: string; version: number }) {
  const [flavor, setFlavor] = useState<'nginx' | 'apache'>('nginx');
  const render = useLoad(
    () =>
      call<SiteRender>(
        api.GET('/api/v1/sites/{id}/render', { params: { path: { id: siteId }, query: { flavor } } }),
      ),
    [siteId, version, flavor],
  );
  return (
    <aside className="preview" data-testid="preview">
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
          {render.data ? `revision ${render.data.revision}` : render.loading ? 'rendering…' : ''}
        </span>
      </div>
      {render.error ? (
        <ErrorNote
          error={render.error}
          what={render.error.code === 'RENDER_FAILED' ? 'This site cannot be rendered' : 'Preview failed'}
        />
      ) : null}
      {render.data?.files.map((f) => (
        <div key={f.path}>
          <div className="file-path">{f.path}</div>
          <pre className="config">{f.content}</pre>
        </div>
      ))}
    </aside>
  );
}
