import { z } from 'zod';

const flavor = z.enum(['nginx', 'apache']);

/** One file of a revision tree, as deploy would write it. */
export const renderedFileView = z
  .strictObject({
    path: z.string().describe('relative to the revision tree, e.g. nginx/sites/chat.conf'),
    mode: z.int().describe('POSIX mode, e.g. 420 (0o644)'),
    content: z.string(),
    sha256: z.string(),
  })
  .meta({ id: 'RenderedFile' });

export const siteRenderView = z
  .strictObject({ siteId: z.uuid(), flavor, revision: z.int(), files: z.array(renderedFileView) })
  .meta({ id: 'SiteRender' });

/** An unsaved draft rendered; `warnings` are what would stop its save. */
export const siteDraftRenderView = z
  .strictObject({
    flavor,
    revision: z.int(),
    files: z.array(renderedFileView),
    warnings: z.array(
      z.strictObject({ field: z.string(), message: z.string() }).meta({ id: 'FieldWarning' }),
    ),
  })
  .meta({ id: 'SiteDraftRender' });

export const unitRenderView = z
  .strictObject({ serviceId: z.uuid(), revision: z.int(), file: renderedFileView })
  .meta({ id: 'UnitRender' });

export const unitDraftRenderView = z
  .strictObject({ revision: z.int(), file: renderedFileView })
  .meta({ id: 'UnitDraftRender' });

export const agentRenderView = z
  .strictObject({
    revision: z.int(),
    agentId: z.uuid(),
    files: z.array(renderedFileView),
    hash: z.string().describe('sha256 over every path, mode and content hash'),
    apacheModules: z.array(z.string()).describe('Apache modules the tree needs (empty for nginx)'),
  })
  .meta({ id: 'AgentRender' });
