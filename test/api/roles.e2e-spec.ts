import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import type { ApiClient } from '../support/api-client.js';
import { agentDoc, serviceDoc, siteDoc, uniqueName, upstreamDoc } from '../support/factories.js';
import {
  documentedOperations,
  fillPath,
  isMutating,
  type Operation,
  type Permission,
} from '../support/openapi-operations.js';
import { createToken, createUser, loginAsEveryRole, type RoleClients } from '../support/role-clients.js';
import { TestApp } from '../support/test-app.js';
import { TestDatabase } from '../support/test-database.js';

// Who may change what, written down from the product rules rather than read from the code:
// viewers only read; operators change sites, upstreams and services and deploy; admins also
// manage agents, users and tokens. API tokens carry scopes that narrow their owner's role.

const GRANTS: Record<'admin' | 'operator' | 'viewer', Permission[]> = {
  viewer: ['read'],
  operator: ['read', 'write', 'deploy'],
  admin: ['read', 'write', 'deploy', 'admin'],
};

let db: TestDatabase;
let app: TestApp;
let admin: ApiClient;
let roles: RoleClients;

beforeAll(async () => {
  db = await TestDatabase.create('roles');
  app = await TestApp.start({ databaseUrl: db.url });
  admin = await app.admin();
  roles = await loginAsEveryRole(admin);
});

afterAll(async () => {
  await app?.stop();
  await db?.drop();
});

const create = async (path: string, body: unknown) => {
  const res = await admin.post(path, body);
  if (res.status !== 201) throw new Error(`fixture ${path}: ${res.status} ${res.text}`);
  return res.body;
};

/** Every mutating endpoint of the resources, with a valid request prepared fresh for each call. */
interface Endpoint {
  method: 'POST' | 'PATCH' | 'DELETE';
  path: string;
  permission: Permission;
  /**
   * Permissions of a role the call gives or acts on: credentials may not create, change or
   * delete a user stronger than themselves (a narrowed token would escape through it).
   */
  roleHolds?: Permission[];
  success: number;
  prepare: () => Promise<{ url: string; body?: unknown }>;
}

const ENDPOINTS: Endpoint[] = [
  {
    method: 'POST',
    path: '/api/v1/upstreams',
    permission: 'write',
    success: 201,
    prepare: async () => ({ url: '/api/v1/upstreams', body: upstreamDoc() }),
  },
  {
    method: 'PATCH',
    path: '/api/v1/upstreams/{id}',
    permission: 'write',
    success: 200,
    prepare: async () => ({
      url: `/api/v1/upstreams/${(await create('/api/v1/upstreams', upstreamDoc())).id}`,
      body: { keepalive: 2 },
    }),
  },
  {
    method: 'DELETE',
    path: '/api/v1/upstreams/{id}',
    permission: 'write',
    success: 204,
    prepare: async () => ({
      url: `/api/v1/upstreams/${(await create('/api/v1/upstreams', upstreamDoc())).id}`,
    }),
  },
  {
    method: 'POST',
    path: '/api/v1/sites',
    permission: 'write',
    success: 201,
    prepare: async () => ({
      url: '/api/v1/sites',
      body: siteDoc((await create('/api/v1/upstreams', upstreamDoc())).name),
    }),
  },
  {
    method: 'PATCH',
    path: '/api/v1/sites/{id}',
    permission: 'write',
    success: 200,
    prepare: async () => {
      const up = await create('/api/v1/upstreams', upstreamDoc());
      return {
        url: `/api/v1/sites/${(await create('/api/v1/sites', siteDoc(up.name))).id}`,
        body: { hsts: true },
      };
    },
  },
  {
    method: 'DELETE',
    path: '/api/v1/sites/{id}',
    permission: 'write',
    success: 204,
    prepare: async () => {
      const up = await create('/api/v1/upstreams', upstreamDoc());
      return { url: `/api/v1/sites/${(await create('/api/v1/sites', siteDoc(up.name))).id}` };
    },
  },
  {
    method: 'POST',
    path: '/api/v1/services',
    permission: 'write',
    success: 201,
    prepare: async () => ({ url: '/api/v1/services', body: serviceDoc() }),
  },
  {
    method: 'PATCH',
    path: '/api/v1/services/{id}',
    permission: 'write',
    success: 200,
    prepare: async () => ({
      url: `/api/v1/services/${(await create('/api/v1/services', serviceDoc())).id}`,
      body: { restart: 'on_failure' },
    }),
  },
  {
    method: 'DELETE',
    path: '/api/v1/services/{id}',
    permission: 'write',
    success: 204,
    prepare: async () => ({ url: `/api/v1/services/${(await create('/api/v1/services', serviceDoc())).id}` }),
  },
  {
    method: 'POST',
    path: '/api/v1/agents',
    permission: 'admin',
    success: 201,
    prepare: async () => ({ url: '/api/v1/agents', body: agentDoc() }),
  },
  {
    method: 'PATCH',
    path: '/api/v1/agents/{id}',
    permission: 'admin',
    success: 200,
    prepare: async () => ({
      url: `/api/v1/agents/${(await create('/api/v1/agents', agentDoc())).id}`,
      body: { useSudo: true },
    }),
  },
  {
    method: 'DELETE',
    path: '/api/v1/agents/{id}',
    permission: 'admin',
    success: 204,
    prepare: async () => ({ url: `/api/v1/agents/${(await create('/api/v1/agents', agentDoc())).id}` }),
  },
  {
    method: 'POST',
    path: '/api/v1/users',
    permission: 'admin',
    roleHolds: ['read'],
    success: 201,
    prepare: async () => ({
      url: '/api/v1/users',
      body: {
        email: `${uniqueName('new')}@portico.test`,
        password: 'a-long-enough-password',
        role: 'viewer',
      },
    }),
  },
  {
    method: 'PATCH',
    path: '/api/v1/users/{id}',
    permission: 'admin',
    roleHolds: ['read', 'write', 'deploy'],
    success: 200,
    prepare: async () => ({
      url: `/api/v1/users/${(await createUser(admin, 'viewer')).id}`,
      body: { role: 'operator' },
    }),
  },
  {
    method: 'DELETE',
    path: '/api/v1/users/{id}',
    permission: 'admin',
    roleHolds: ['read'],
    success: 204,
    prepare: async () => ({ url: `/api/v1/users/${(await createUser(admin, 'viewer')).id}` }),
  },
  {
    method: 'POST',
    path: '/api/v1/tokens',
    permission: 'admin',
    success: 201,
    prepare: async () => ({ url: '/api/v1/tokens', body: { name: 'matrix', scopes: ['admin'] } }),
  },
  {
    method: 'DELETE',
    path: '/api/v1/tokens/{id}',
    permission: 'admin',
    success: 204,
    prepare: async () => ({ url: `/api/v1/tokens/${(await createToken(admin, ['read'])).id}` }),
  },
];

const auditTotal = async () => (await admin.get('/api/v1/audit?limit=1')).body.total as number;

/** Calls the endpoint as `caller` and checks the outcome the grants predict. */
async function check(caller: ApiClient, granted: readonly Permission[], endpoint: Endpoint) {
  const { url, body } = await endpoint.prepare();
  const before = await auditTotal();
  const res = await caller.request(endpoint.method, url, { body });
  const routeAllows = granted.includes(endpoint.permission);
  const allowed = routeAllows && (endpoint.roleHolds ?? []).every((p) => granted.includes(p));
  const label = `${endpoint.method} ${endpoint.path}`;
  if (allowed) {
    expect({ label, status: res.status, body: res.body }).toMatchObject({ label, status: endpoint.success });
    expect(await auditTotal()).toBe(before + 1);
  } else {
    expect({ label, status: res.status, code: res.body.code }).toEqual({
      label,
      status: 403,
      code: 'FORBIDDEN',
    });
    expect(res.body.message).toContain(
      routeAllows ? 'holds permissions your credentials do not' : endpoint.permission,
    );
    expect(await auditTotal()).toBe(before);
    // The resource a refused PATCH or DELETE named is untouched.
    if (endpoint.method !== 'POST') {
      const after = await admin.get(url);
      if (!url.includes('/users/') && !url.includes('/tokens/')) expect(after.body.version).toBe(1);
    }
  }
}

describe('role matrix (cookie sessions)', () => {
  for (const role of ['admin', 'operator', 'viewer'] as const) {
    it.each(ENDPOINTS.map((e) => [`${e.method} ${e.path}`, e] as const))(
      `${role}: %s`,
      async (_, endpoint) => {
        await check(roles[role], GRANTS[role], endpoint);
      },
    );
  }
});

describe('token scopes narrow the owner', () => {
  const SCOPE_SETS: Permission[][] = [
    ['read'],
    ['read', 'write'],
    ['read', 'write', 'deploy'],
    ['read', 'admin'],
    ['admin'],
  ];
  for (const scopes of SCOPE_SETS) {
    it(`an admin's token with scopes ${scopes.join('+')} may do exactly that`, async () => {
      const { client } = await createToken(admin, scopes);
      for (const endpoint of ENDPOINTS) await check(client, scopes, endpoint);
      // Reading needs the read scope like everything else.
      expect((await client.get('/api/v1/sites')).status).toBe(scopes.includes('read') ? 200 : 403);
    });
  }

  it('a token is limited by its owner’s current role, not the one it was created under', async () => {
    const owner = await createUser(admin, 'admin');
    const ownerClient = await admin.login(owner.email, owner.password);
    const { client } = await createToken(ownerClient, ['read', 'write', 'deploy', 'admin']);
    expect((await admin.patch(`/api/v1/users/${owner.id}`, { role: 'operator' })).status).toBe(200);
    for (const endpoint of ENDPOINTS) await check(client, GRANTS.operator, endpoint);
    expect((await client.get('/api/v1/auth/me')).body).toMatchObject({
      role: 'operator',
      via: 'token',
      permissions: ['read', 'write', 'deploy'],
    });
  });

  it('a token cannot mint a token with scopes it lacks', async () => {
    const { client } = await createToken(admin, ['read', 'admin']);
    const broader = await client.post('/api/v1/tokens', { name: 'escalate', scopes: ['read', 'write'] });
    expect(broader.status).toBe(403);
    expect(broader.body.details).toEqual([{ field: 'scopes', message: 'not held by the caller: write' }]);
    expect((await client.post('/api/v1/tokens', { name: 'same', scopes: ['read'] })).status).toBe(201);
  });
});

describe('every documented mutating operation', () => {
  let operations: Operation[];
  beforeAll(async () => {
    operations = (await documentedOperations(admin)).filter(isMutating);
  });

  it('publishes a permission, and never just read', async () => {
    const publicOps = operations.filter((o) => o.permission === 'none').map((o) => `${o.method} ${o.path}`);
    expect(publicOps.sort()).toEqual(['POST /api/v1/auth/login', 'POST /api/v1/auth/logout']);
    const readOnly = operations.filter((o) => o.permission === 'read').map((o) => `${o.method} ${o.path}`);
    expect(readOnly).toEqual([]);
    // The endpoints of the matrix above are documented with the rule the matrix checks.
    for (const e of ENDPOINTS) {
      expect(operations.find((o) => o.method === e.method && o.path === e.path)?.permission).toBe(
        e.permission,
      );
    }
  });

  it('refuses anonymous callers, viewers and read-only tokens; admits the roles it names', async () => {
    const readToken = (await createToken(admin, ['read'])).client;
    const guarded = operations.filter((o) => o.permission !== 'none');
    for (const op of guarded) {
      const label = `${op.method} ${op.path}`;
      const url = fillPath(op.path);
      // A JSON array is no valid body anywhere: an admitted caller stops at validation.
      const call = (c: ApiClient) => c.request(op.method, url, { raw: '[]' });
      expect({ label, status: (await call(admin.anonymous())).status }).toEqual({ label, status: 401 });
      expect({ label, status: (await call(roles.viewer)).status }).toEqual({ label, status: 403 });
      expect({ label, status: (await call(readToken)).status }).toEqual({ label, status: 403 });
      for (const role of ['operator', 'admin'] as const) {
        if (!op.hasBody && !op.path.includes('{')) continue; // nothing would stop it short of acting
        const status = (await call(roles[role])).status;
        const expected = GRANTS[role].includes(op.permission as Permission) ? 'admitted' : 'refused';
        const actual =
          status === 403 ? 'refused' : status === 401 || status >= 500 ? `HTTP ${status}` : 'admitted';
        expect({ label, role, outcome: actual }).toEqual({ label, role, outcome: expected });
      }
    }
  });

  it('refuses anonymous reads too, except liveness, docs and login', async () => {
    const reads = (await documentedOperations(admin)).filter(
      (o) => !isMutating(o) && o.permission !== 'none',
    );
    expect(reads.length).toBeGreaterThan(10);
    for (const op of reads) {
      const url = fillPath(op.path, '00000000-0000-4000-8000-000000000000');
      const res = await admin.anonymous().request(op.method, url, op.hasBody ? { body: {} } : {});
      expect({ path: op.path, status: res.status }).toEqual({ path: op.path, status: 401 });
    }
    expect((await admin.anonymous().get('/healthz')).status).toBe(200);
  });
});
