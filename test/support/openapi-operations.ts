import type { ApiClient } from './api-client.js';

export type Permission = 'read' | 'write' | 'deploy' | 'admin';

export interface Operation {
  method: string;
  /** OpenAPI path template, e.g. /api/v1/sites/{id}. */
  path: string;
  /** What the guard requires: the x-required-permission extension, `read` when absent. */
  permission: Permission | 'none';
  hasBody: boolean;
}

/** Every operation the running app documents, with the permission it publishes for it. */
export async function documentedOperations(client: ApiClient): Promise<Operation[]> {
  const doc = (await client.anonymous().get('/api/openapi.json')).body as {
    paths: Record<
      string,
      Record<string, { requestBody?: unknown; 'x-required-permission'?: Permission | 'none' }>
    >;
  };
  return Object.entries(doc.paths).flatMap(([path, ops]) =>
    Object.entries(ops).map(([method, op]) => ({
      method: method.toUpperCase(),
      path,
      permission: op['x-required-permission'] ?? 'read',
      hasBody: op.requestBody !== undefined,
    })),
  );
}

/** POSTs that store nothing: render previews of an unsaved draft, which travels as the body. */
export const READ_ONLY_POSTS = ['POST /api/v1/sites/render-preview', 'POST /api/v1/services/render-preview'];

export const isMutating = (op: Operation) =>
  op.method !== 'GET' && op.method !== 'HEAD' && !READ_ONLY_POSTS.includes(`${op.method} ${op.path}`);

/** The path with every {param} filled in (by default with something that is not a valid id). */
export const fillPath = (path: string, value = 'not-a-valid-id') => path.replace(/\{[^}]+\}/g, value);
