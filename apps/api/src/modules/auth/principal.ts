import type { Role } from '../../generated/prisma/enums.js';

/** What a caller may do. Token scopes use the same words and narrow the owner's role. */
export const PERMISSIONS = ['read', 'write', 'deploy', 'admin'] as const;
export type Permission = (typeof PERMISSIONS)[number];

export const ROLE_PERMISSIONS: Record<Role, readonly Permission[]> = {
  viewer: ['read'],
  operator: ['read', 'write', 'deploy'],
  admin: ['read', 'write', 'deploy', 'admin'],
};

export interface Principal {
  kind: 'session' | 'token';
  userId: string;
  email: string;
  role: Role;
  permissions: ReadonlySet<Permission>;
  tokenId?: string;
}

/** Who is acting and under which request: passed from controllers to services for audit. */
export interface Actor {
  principal: Principal;
  requestId?: string;
}

export function permissionsFor(role: Role, scopes?: readonly string[]): Set<Permission> {
  const granted = ROLE_PERMISSIONS[role];
  return new Set(scopes ? granted.filter((p) => scopes.includes(p)) : granted);
}
