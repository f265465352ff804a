import type { OpenAPIObject } from '@nestjs/swagger';
import { DEFAULT_PERMISSION, PERMISSION_EXTENSION } from './auth.decorators.js';

type Operation = { [PERMISSION_EXTENSION]?: string; security?: unknown[] };

/**
 * Every operation of the document says what it needs. @Requires and @Public publish theirs
 * (on a handler or a whole controller); a handler with neither needs what the guard defaults
 * to, and the document says so from the same constant. Operations anyone may call (liveness,
 * login) also drop the global security requirement.
 */
export function publishPermissions(document: OpenAPIObject): void {
  for (const operations of Object.values(document.paths)) {
    for (const op of Object.values(operations) as Operation[]) {
      if (!op || typeof op !== 'object') continue;
      op[PERMISSION_EXTENSION] ??= DEFAULT_PERMISSION;
      if (op[PERMISSION_EXTENSION] === 'none') op.security = [];
    }
  }
}
