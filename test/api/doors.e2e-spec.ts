import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it, jest } from '@jest/globals';
import pg from 'pg';
import { agentDocFor } from '../fixtures/fleet-agent.js';
import { SshHost } from '../fixtures/ssh-host.js';
import { FleetApp, until } from '../fleet/fleet-app.js';
import type { ApiClient } from '../support/api-client.js';
import { createToken, loginAsEveryRole, type RoleClients } from '../support/role-clients.js';
import { TestDatabase } from '../support/test-database.js';

// Every door, one set of rules: the same permission, the same invariant, the same error code and
// field path whether a change comes through REST, a fleet document (/apply, dry run or not) or a
// backup (/restore). Built app, real Postgres, and a real sshd + nginx host for the reproduction
// of the operator → root hole (a status command smuggled in through /apply).
jest.setTimeout(180_000);

type Doc = Record<string, unknown> & {
  agents: Record<string, unknown>[];
  upstreams: Record<string, unknown>[];
  sites: Record<string, unknown>[];
  services: Record<string, unknown>[];
};

let db: TestDatabase;
let portico: FleetApp;
let admin: ApiClient;
let roles: RoleClients;
let host: SshHost;
let agent: { id: string; name: string };

beforeAll(async () => {
  host = await SshHost.start({ flavor: 'nginx' });
  db = await TestDatabase.create('doors');
  portico = await FleetApp.start(db.url, FleetApp.secretKey(), {
    HEALTH_INTERVAL_SEC: '0.5',
    HEALTH_REFRESH_SEC: '0.5',
    HEALTH_TIMEOUT_SEC: '5',
  });
  admin = portico.api;
  roles = await loginAsEveryRole(admin);
  const created = await admin.post('/api/v1/agents', agentDocFor(host));
  expect(created.status).toBe(201);
  agent = created.body;
  // The admin confirms the host key, so background probes log in and run the status command.
  expect((await admin.post(`/api/v1/agents/${agent.id}/test`)).status).toBe(200);
});

afterAll(async () => {
  await portico?.stop();
  await db?.drop();
  await host?.stop();
});

const exported = async (): Promise<Doc> => (await admin.get('/api/v1/export')).body as Doc;
const backup = async () => (await admin.get('/api/v1/backup')).body as { tables: Record<string, unknown[]> };
const restore = (client: ApiClient, body: unknown) =>
  client.request('POST', '/api/v1/restore?force=true', {
    raw: JSON.stringify(body),
    headers: { 'content-type': 'application/octet-stream' },
  });
/** The stored state minus what every request changes by itself (audit, sessions, health). */
const stored = async () => {
  const { tables } = await backup();
  const { AuditEvent: _a, HealthEvent: _e, HealthState: _s, ApiToken: _t, User: _u, ...rest } = tables;
  return rest;
};

/** The newest process-probe result of the agent, to wait for probes that ran after a moment. */
async function processProbedAfter(since: number): Promise<void> {
  await until(async () => {
    const res = await admin.get(`/api/v1/health/history?subjectType=agent&subjectId=${agent.id}`);
    const items = (res.body.items ?? []) as {
      checkKey: string;
      samples: { at: string; outcome: string }[];
    }[];
    const samples = items.find((i) => i.checkKey === `agent:${agent.id}:process`)?.samples ?? [];
    return samples.filter((s) => new Date(s.at).getTime() > since && s.outcome === 'ok').length >= 2;
  }, 60_000);
}

describe('operator → root through /apply (the reproduction)', () => {
  it('refuses a document that changes an agent unless the caller may change agents, and the host never runs the command', async () => {
    const marker = join(host.dir, 'smuggled-status-command');
    const doc = await exported();
    const mine = doc.agents.find((a) => a.name === agent.name)!;
    const overrides = mine.hostOverrides as Record<string, unknown>;
    mine.hostOverrides = { ...overrides, statusCommand: `touch ${marker}; ${overrides.statusCommand}` };
    const writeToken = (await createToken(admin, ['read', 'write', 'deploy'])).client;
    const auditBefore = (await admin.get('/api/v1/audit?limit=1')).body.total as number;

    for (const caller of [roles.operator, writeToken]) {
      for (const path of ['/api/v1/apply?dryRun=true', '/api/v1/apply']) {
        const res = await caller.post(path, doc);
        expect({ path, status: res.status, code: res.body.code }).toEqual({
          path,
          status: 403,
          code: 'FORBIDDEN',
        });
        expect(res.body.details.items).toEqual([
          { kind: 'agent', name: agent.name, action: 'update', required: 'admin' },
        ]);
      }
    }
    // Deleting every agent is refused the same way, dry run included.
    const wipe = await roles.operator.post('/api/v1/apply?dryRun=true', {
      apiVersion: 'portico/v1',
      agents: [],
    });
    expect(wipe.status).toBe(403);
    expect(wipe.body.details.items).toEqual([
      { kind: 'agent', name: agent.name, action: 'delete', required: 'admin' },
    ]);
    expect((await admin.get('/api/v1/audit?limit=1')).body.total).toBe(auditBefore);

    // Probes keep running the agent's real status command, never the smuggled one.
    await processProbedAfter(Date.now());
    expect(existsSync(marker)).toBe(false);

    // The same document from an admin goes through, and the next probe runs it: the check above
    // would have seen the marker had the operator's apply gone through.
    const applied = await admin.post('/api/v1/apply', doc);
    expect(applied.status).toBe(200);
    await until(async () => existsSync(marker), 60_000);
    mine.hostOverrides = overrides;
    expect((await admin.post('/api/v1/apply', doc)).status).toBe(200);
  });
});

describe('the same permission at every door', () => {
  const agentDoc = (name: string) => ({ name, address: '127.0.0.1', sshPort: 22, flavor: 'nginx' });

  it('agents are admin-only through REST and /apply alike; upstreams are writable by operators through both', async () => {
    const readWrite = (await createToken(admin, ['read', 'write'])).client;
    const adminToken = (await createToken(admin, ['read', 'write', 'deploy', 'admin'])).client;
    const cases = [
      { who: 'viewer', client: roles.viewer, agents: 403, upstreams: 403 },
      { who: 'operator', client: roles.operator, agents: 403, upstreams: 'ok' },
      { who: 'token read+write', client: readWrite, agents: 403, upstreams: 'ok' },
      { who: 'admin', client: roles.admin, agents: 'ok', upstreams: 'ok' },
      { who: 'token with every scope', client: adminToken, agents: 'ok', upstreams: 'ok' },
    ] as const;
    for (const c of cases) {
      const name = `door-${c.who.replace(/\W+/g, '-')}`;
      const rest = await c.client.post('/api/v1/agents', agentDoc(`${name}-a`));
      const doc = await exported();
      const apply = await c.client.post('/api/v1/apply', {
        ...doc,
        agents: [...doc.agents, agentDoc(`${name}-b`)],
      });
      expect({ who: c.who, rest: rest.status, apply: apply.status }).toEqual({
        who: c.who,
        rest: c.agents === 'ok' ? 201 : 403,
        apply: c.agents === 'ok' ? 200 : 403,
      });
      const upstream = { name: `${name}-u`, targets: [{ host: '127.0.0.1', port: 3000 }] };
      const restU = await c.client.post('/api/v1/upstreams', upstream);
      const applyU = await c.client.post('/api/v1/apply', {
        apiVersion: 'portico/v1',
        upstreams: [...(await exported()).upstreams, { ...upstream, name: `${name}-v` }],
      });
      expect({ who: c.who, rest: restU.status, apply: applyU.status }).toEqual({
        who: c.who,
        rest: c.upstreams === 'ok' ? 201 : 403,
        apply: c.upstreams === 'ok' ? 200 : 403,
      });
    }
  });

  it('a token narrowed to admin cannot mint, promote or take over a user stronger than itself', async () => {
    const narrow = (await createToken(admin, ['admin'])).client;
    const email = `escape-${Date.now()}@portico.test`;
    const res = await narrow.post('/api/v1/users', {
      email,
      password: 'a-long-enough-password',
      role: 'admin',
    });
    expect(res.status).toBe(403);
    expect(res.body.code).toBe('FORBIDDEN');
    const users = (await admin.get('/api/v1/users')).body.items as {
      email: string;
      id: string;
      role: string;
    }[];
    expect(users.some((u) => u.email === email)).toBe(false);
    const stronger = users.find((u) => u.role === 'admin')!;
    expect(
      (await narrow.patch(`/api/v1/users/${stronger.id}`, { password: 'another-long-password' })).status,
    ).toBe(403);
    // A full admin may, so the refusal above is the narrowing and nothing else.
    expect(
      (await roles.admin.post('/api/v1/users', { email, password: 'a-long-enough-password', role: 'admin' }))
        .status,
    ).toBe(201);
  });
});

describe('the same invariant, code and field at every door', () => {
  const webui = { name: 'owui-front', kind: 'openwebui', targets: [{ host: '127.0.0.1', port: 3000 }] };
  const service = {
    name: 'owui',
    kind: 'openwebui',
    options: { upstream: 'owui-front', network: 'bridge', hostPort: 3000 },
    agents: [],
  };

  beforeAll(async () => {
    expect((await admin.post('/api/v1/upstreams', webui)).status).toBe(201);
    expect((await admin.post('/api/v1/services', service)).status).toBe(201);
  });

  it('an upstream pointed at the container port under a bridge-mode Open WebUI: REST, /apply and /restore refuse it alike', async () => {
    const id = (await admin.get('/api/v1/upstreams?q=owui-front')).body.items[0].id as string;
    const before = await stored();

    const rest = await roles.operator.patch(`/api/v1/upstreams/${id}`, {
      targets: [{ host: '127.0.0.1', port: 8080 }],
    });
    expect(rest.status).toBe(422);
    expect(rest.body).toMatchObject({
      code: 'INVARIANT_VIOLATED',
      details: [{ field: 'targets', reason: 'OPENWEBUI_PORT_MISMATCH' }],
    });

    const doc = await exported();
    const index = doc.upstreams.findIndex((u) => u.name === 'owui-front');
    doc.upstreams[index]!.targets = [{ scheme: 'http', host: '127.0.0.1', port: 8080, weight: 1 }];
    for (const path of ['/api/v1/apply?dryRun=true', '/api/v1/apply']) {
      const res = await roles.operator.post(path, doc);
      expect(res.status).toBe(422);
      expect(res.body).toMatchObject({
        code: 'INVARIANT_VIOLATED',
        details: [{ field: `upstreams.${index}.targets`, reason: 'OPENWEBUI_PORT_MISMATCH' }],
      });
    }

    const broken = await backup();
    const row = (broken.tables.Upstream as { name: string; targets: unknown }[]).find(
      (u) => u.name === 'owui-front',
    )!;
    row.targets = [{ scheme: 'http', host: '127.0.0.1', port: 8080, weight: 1 }];
    const restored = await restore(admin, broken);
    expect(restored.status).toBe(422);
    expect(restored.body.code).toBe('RESTORE_INVALID');
    expect(restored.body.details.problems).toEqual(
      expect.arrayContaining([
        {
          table: 'Upstream',
          row: 'owui-front',
          field: 'targets',
          message: expect.any(String),
          reason: 'OPENWEBUI_PORT_MISMATCH',
        },
      ]),
    );
    expect(await stored()).toEqual(before);
  });

  it('a service whose published port disagrees with its upstream: REST, the draft preview and /apply refuse it under the same field', async () => {
    const wrong = { ...service, name: 'owui-wrong', options: { ...service.options, hostPort: 4000 } };
    for (const path of ['/api/v1/services', '/api/v1/services/render-preview']) {
      const res = await roles.operator.post(path, wrong);
      expect({ path, status: res.status }).toEqual({ path, status: 422 });
      expect(res.body).toMatchObject({
        code: 'INVARIANT_VIOLATED',
        details: [{ field: 'options.hostPort', reason: 'OPENWEBUI_PORT_MISMATCH' }],
      });
    }
    const doc = await exported();
    const res = await roles.operator.post('/api/v1/apply', {
      apiVersion: 'portico/v1',
      services: [...doc.services, wrong],
    });
    expect(res.status).toBe(422);
    expect(res.body).toMatchObject({
      code: 'INVARIANT_VIOLATED',
      details: [
        { field: `services.${doc.services.length}.options.hostPort`, reason: 'OPENWEBUI_PORT_MISMATCH' },
      ],
    });
  });

  it('an upstream that only a service names is in use: DELETE and /apply answer 409 IN_USE alike', async () => {
    const id = (await admin.get('/api/v1/upstreams?q=owui-front')).body.items[0].id as string;
    const rest = await roles.operator.delete(`/api/v1/upstreams/${id}`);
    expect(rest.status).toBe(409);
    expect(rest.body).toMatchObject({ code: 'IN_USE', details: { sites: [], services: ['owui'] } });
    const doc = await exported();
    const apply = await roles.operator.post('/api/v1/apply', {
      apiVersion: 'portico/v1',
      upstreams: doc.upstreams.filter((u) => u.name !== 'owui-front'),
    });
    expect(apply.status).toBe(409);
    expect(apply.body.code).toBe('IN_USE');
    expect(apply.body.message).toContain('services: owui');
    expect((await admin.get(`/api/v1/upstreams/${id}`)).status).toBe(200);
  });

  it('a hostile backup is refused with its table, row and field, and the database stays as it was', async () => {
    const before = await stored();
    const hostile = await backup();
    const row = (hostile.tables.Upstream as { name: string; targets: { host: string }[] }[]).find(
      (u) => u.name === 'owui-front',
    )!;
    row.targets = [{ ...row.targets[0]!, host: '127.0.0.1:3000; server 10.0.0.9' }];
    const res = await restore(admin, hostile);
    expect(res.status).toBe(422);
    expect(res.body.code).toBe('RESTORE_INVALID');
    expect(res.body.details.problems).toContainEqual(
      expect.objectContaining({ table: 'Upstream', row: 'owui-front', field: 'targets.0.host' }),
    );
    expect(await stored()).toEqual(before);
    // Rendering still answers: nothing of the hostile row was kept.
    expect((await admin.get(`/api/v1/agents/${agent.id}/render`)).status).toBe(200);
  });

  it('a broken service placed nowhere does not block the render of an agent it is not on', async () => {
    // Only data written before these rules existed can be in this state: write it directly.
    const client = new pg.Client({ connectionString: db.url });
    await client.connect();
    try {
      await client.query(
        `INSERT INTO "Service" ("id", "name", "kind", "options", "updatedAt")
         VALUES (gen_random_uuid(), 'legacy-owui', 'openwebui', $1::jsonb, now())`,
        [JSON.stringify({ upstream: 'owui-front', network: 'host' })],
      );
    } finally {
      await client.end();
    }
    const site = await admin.post('/api/v1/sites', {
      name: 'owui-site',
      hostnames: ['owui.example.test'],
      routes: [{ pathPrefix: '/', upstream: 'owui-front' }],
      agents: [agent.name],
    });
    expect(site.status).toBe(201);
    const render = await admin.get(`/api/v1/agents/${agent.id}/render`);
    expect(render.status).toBe(200);
  });
});
