import { AppError } from '../../common/errors/app-error.js';
import type { Role } from '../../generated/prisma/enums.js';
import { type Actor, type Permission, ROLE_PERMISSIONS } from './principal.js';

/**
 * The one check an aggregate's write operation makes before it changes anything. Every door
 * (REST, /apply, /restore, the dashboard) reaches the operation, so the rule holds at all of
 * them; the route guard's `@Requires` names the same permission for the OpenAPI document.
 */
export function authorize(actor: Actor, permission: Permission, action: string): void {
  if (actor.principal.permissions.has(permission)) return;
  throw new AppError('FORBIDDEN', `${action} needs the "${permission}" permission`, {
    required: permission,
    action,
  });
}

/**
 * Credentials cannot create or take over a user who may do more than they may themselves: a
 * token narrowed to `admin` that could mint an admin user (and log in as it) would escape its
 * narrowing, so every permission of the role must be held by the caller.
 */
export function authorizeRole(actor: Actor, role: Role, action: string): void {
  const beyond = ROLE_PERMISSIONS[role].filter((p) => !actor.principal.permissions.has(p));
  if (!beyond.length) return;
  throw new AppError(
    'FORBIDDEN',
    `${action}: the role ${role} holds permissions your credentials do not (${beyond.join(', ')})`,
    { required: beyond, action },
  );
}
