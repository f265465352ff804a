import type { Actor } from '../auth/principal.js';

/** Who the audit log names for work the renewal scheduler does on its own. */
export const SCHEDULER_ACTOR: Actor = {
  principal: {
    kind: 'system' as never,
    userId: 'scheduler',
    email: 'portico-scheduler',
    role: 'admin',
    permissions: new Set(),
  },
};
