import type { Actor, Permission } from '../auth/principal.js';

/**
 * Who the audit log names for work the renewal scheduler does on its own. It orders for sites
 * whose policy asks for it and attaches the certificates: site writes, nothing more.
 */
export const SCHEDULER_ACTOR: Actor = {
  principal: {
    kind: 'system' as never,
    userId: 'scheduler',
    email: 'portico-scheduler',
    role: 'admin',
    permissions: new Set<Permission>(['read', 'write']),
  },
};
