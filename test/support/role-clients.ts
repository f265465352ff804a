import { randomBytes } from 'node:crypto';
import type { ApiClient } from './api-client.js';

export const ROLES = ['admin', 'operator', 'viewer'] as const;
export type RoleName = (typeof ROLES)[number];

export type RoleClients = Record<RoleName, ApiClient>;

/** A fresh user with the role, created by an admin through the API. */
export async function createUser(
  admin: ApiClient,
  role: RoleName,
): Promise<{ id: string; email: string; password: string }> {
  const email = `${role}-${randomBytes(4).toString('hex')}@portico.test`;
  const password = `pw-${randomBytes(12).toString('hex')}`;
  const res = await admin.post('/api/v1/users', { email, password, role });
  if (res.status !== 201) throw new Error(`creating a ${role} failed: ${res.status} ${res.text}`);
  return { id: res.body.id, email, password };
}

/** One logged-in (cookie session) client per role; the admin is a new admin, not the first one. */
export async function loginAsEveryRole(admin: ApiClient): Promise<RoleClients> {
  const entries = await Promise.all(
    ROLES.map(async (role) => {
      const user = await createUser(admin, role);
      return [role, await admin.login(user.email, user.password)] as const;
    }),
  );
  return Object.fromEntries(entries) as RoleClients;
}

/** An API token of the calling user; the returned client authenticates with it. */
export async function createToken(
  owner: ApiClient,
  scopes: string[],
  expiresAt?: string,
): Promise<{ id: string; token: string; client: ApiClient }> {
  const res = await owner.post('/api/v1/tokens', {
    name: `test ${scopes.join('+')}`,
    scopes,
    ...(expiresAt ? { expiresAt } : {}),
  });
  if (res.status !== 201) throw new Error(`creating a token failed: ${res.status} ${res.text}`);
  return { id: res.body.id, token: res.body.token, client: owner.withBearer(res.body.token) };
}
