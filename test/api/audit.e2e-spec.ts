import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import ssh2 from 'ssh2';
import type { ApiClient, ApiResponse } from '../support/api-client.js';
import { agentDoc, serviceDoc, siteDoc, uniqueName, upstreamDoc } from '../support/factories.js';
import { createToken, createUser } from '../support/role-clients.js';
import { ADMIN, TestApp } from '../support/test-app.js';
import { TestDatabase } from '../support/test-database.js';

let db: TestDatabase;
let app: TestApp;
let admin: ApiClient;
let adminId: string;

beforeAll(async () => {
  db = await TestDatabase.create('audit');
  app = await TestApp.start({ databaseUrl: db.url });
  admin = await app.admin();
  adminId = (await admin.get('/api/v1/auth/me')).body.id;
});

afterAll(async () => {
  await app?.stop();
  await db?.drop();
});

interface AuditEvent {
  id: string;
  at: string;
  actorType: string;
  actorId: string | null;
  actorLabel: string;
  action: string;
  targetType: string;
  targetId: string | null;
  before: unknown;
  after: unknown;
  requestId: string | null;
}

/** Sends a request with a fresh X-Request-Id and returns the one audit event it wrote. */
async function audited(
  client: ApiClient,
  method: string,
  url: string,
  body?: unknown,
): Promise<{ res: ApiResponse; event: AuditEvent }> {
  const requestId = `req-${randomUUID()}`;
  const res = await client.request(method, url, { body, headers: { 'x-request-id': requestId } });
  expect(res.headers.get('x-request-id')).toBe(requestId);
  const all = (await admin.get('/api/v1/audit?limit=500')).body.items as AuditEvent[];
  const events = all.filter((e) => e.requestId === requestId);
  expect({ url, status: res.status, events: events.length }).toMatchObject({ url, events: 1 });
  return { res, event: events[0]! };
}

describe('audit trail', () => {
  it('records create, update and delete of every resource with actor, target and before/after', async () => {
    const upstreamName = (await admin.post('/api/v1/upstreams', upstreamDoc())).body.name;
    const resources = [
      ['upstream', '/api/v1/upstreams', upstreamDoc(), { keepalive: 3 }],
      ['site', '/api/v1/sites', siteDoc(upstreamName), { hsts: true }],
      ['agent', '/api/v1/agents', agentDoc(), { sshPort: 2022 }],
      ['service', '/api/v1/services', serviceDoc(), { description: 'audited' }],
    ] as const;
    for (const [type, base, doc, change] of resources) {
      const created = await audited(admin, 'POST', base, doc);
      expect(created.res.status).toBe(201);
      const id = created.res.body.id;
      expect(created.event).toMatchObject({
        actorType: 'session',
        actorId: adminId,
        actorLabel: ADMIN.email,
        action: `${type}.create`,
        targetType: type,
        targetId: id,
        before: null,
        after: created.res.body,
      });

      const updated = await audited(admin, 'PATCH', `${base}/${id}`, change);
      expect(updated.event).toMatchObject({
        action: `${type}.update`,
        targetId: id,
        before: created.res.body,
        after: updated.res.body,
      });
      expect(updated.res.body).toMatchObject(change);

      const deleted = await audited(admin, 'DELETE', `${base}/${id}`);
      expect(deleted.res.status).toBe(204);
      expect(deleted.event).toMatchObject({
        action: `${type}.delete`,
        targetId: id,
        before: updated.res.body,
        after: null,
      });
    }
  });

  it('records user and token management without passwords, hashes or token text', async () => {
    const password = `secret-${randomUUID()}`;
    const email = `${uniqueName('audited')}@portico.test`;
    const created = await audited(admin, 'POST', '/api/v1/users', { email, password, role: 'operator' });
    expect(created.event).toMatchObject({
      action: 'user.create',
      targetType: 'user',
      after: { email, role: 'operator', disabled: false },
    });
    const newPassword = `changed-${randomUUID()}`;
    const updated = await audited(admin, 'PATCH', `/api/v1/users/${created.res.body.id}`, {
      password: newPassword,
      role: 'viewer',
    });
    expect(updated.event).toMatchObject({
      action: 'user.update',
      before: { role: 'operator' },
      after: { role: 'viewer', passwordChanged: true },
    });

    const token = await audited(admin, 'POST', '/api/v1/tokens', { name: 'audited', scopes: ['read'] });
    expect(token.event).toMatchObject({
      action: 'token.create',
      targetType: 'token',
      targetId: token.res.body.id,
    });
    const revoked = await audited(admin, 'DELETE', `/api/v1/tokens/${token.res.body.id}`);
    expect(revoked.event).toMatchObject({ action: 'token.revoke', before: { revokedAt: null } });
    expect((revoked.event.after as { revokedAt: string }).revokedAt).toEqual(expect.any(String));
    const removed = await audited(admin, 'DELETE', `/api/v1/users/${created.res.body.id}`);
    expect(removed.event).toMatchObject({ action: 'user.delete', before: { email } });

    const everything = JSON.stringify((await admin.get('/api/v1/audit?limit=500')).body);
    const stored = JSON.stringify(await db.query('SELECT "before", "after" FROM "AuditEvent"'));
    for (const text of [everything, stored]) {
      for (const secret of [
        password,
        newPassword,
        token.res.body.token,
        '$argon2',
        'passwordHash',
        'tokenHash',
      ]) {
        expect(text).not.toContain(secret);
      }
    }
  });

  it('never keeps an agent private key, sealed or not', async () => {
    const pair = ssh2.utils.generateKeyPairSync('ed25519');
    const created = await audited(admin, 'POST', '/api/v1/agents', agentDoc({ privateKey: pair.private }));
    expect(created.event.after).toMatchObject({ hasPrivateKey: true });
    const rotated = await audited(admin, 'PATCH', `/api/v1/agents/${created.res.body.id}`, {
      generateKey: true,
    });
    const text = JSON.stringify([created.event, rotated.event]);
    const keyLine = pair.private.split('\n')[1]!;
    expect(text).not.toContain(keyLine);
    expect(text).not.toContain('sshKeyEncrypted');
    expect(text).not.toContain('privateKey');
  });

  it('names the token, not only its owner, when a token acted', async () => {
    const { id, client } = await createToken(admin, ['read', 'write']);
    const { event } = await audited(client, 'POST', '/api/v1/upstreams', upstreamDoc());
    expect(event).toMatchObject({ actorType: 'token', actorId: id, actorLabel: ADMIN.email });
  });

  it('writes nothing for refused or failed writes', async () => {
    const viewer = await createUser(admin, 'viewer');
    const viewerClient = await admin.login(viewer.email, viewer.password);
    const before = (await admin.get('/api/v1/audit?limit=1')).body.total;
    expect((await viewerClient.post('/api/v1/upstreams', upstreamDoc())).status).toBe(403);
    expect((await admin.post('/api/v1/upstreams', upstreamDoc({ name: 'Bad Name' }))).status).toBe(400);
    expect((await admin.delete(`/api/v1/sites/${randomUUID()}`)).status).toBe(404);
    expect((await admin.get('/api/v1/audit?limit=1')).body.total).toBe(before);
  });

  it('filters by target, actor and action, newest first, with pagination', async () => {
    const up = (await admin.post('/api/v1/upstreams', upstreamDoc())).body;
    for (const keepalive of [1, 2, 3]) await admin.patch(`/api/v1/upstreams/${up.id}`, { keepalive });
    const byTarget = await admin.get(`/api/v1/audit?targetType=upstream&targetId=${up.id}`);
    expect(byTarget.status).toBe(200);
    expect(byTarget.body.total).toBe(4);
    expect(byTarget.body.items.map((e: AuditEvent) => e.action)).toEqual([
      'upstream.update',
      'upstream.update',
      'upstream.update',
      'upstream.create',
    ]);
    expect(byTarget.body.items.map((e: AuditEvent) => (e.after as { keepalive: number }).keepalive)).toEqual([
      3, 2, 1, 16,
    ]);
    const page = await admin.get(`/api/v1/audit?targetId=${up.id}&limit=2&offset=2`);
    expect(page.body).toMatchObject({ total: 4, limit: 2, offset: 2 });
    expect(page.body.items.map((e: AuditEvent) => (e.after as { keepalive: number }).keepalive)).toEqual([
      1, 16,
    ]);
    const byAction = await admin.get(`/api/v1/audit?action=upstream.create&targetId=${up.id}`);
    expect(byAction.body.total).toBe(1);

    const operator = await createUser(admin, 'operator');
    const opClient = await admin.login(operator.email, operator.password);
    await opClient.post('/api/v1/upstreams', upstreamDoc());
    const byActor = await admin.get(`/api/v1/audit?actor=${encodeURIComponent(operator.email)}`);
    expect(byActor.body.items.map((e: AuditEvent) => `${e.actorLabel} ${e.action}`).sort()).toEqual([
      `${operator.email} auth.login`,
      `${operator.email} upstream.create`,
    ]);
  });

  it('is readable by every role and by nobody anonymous', async () => {
    const viewer = await createUser(admin, 'viewer');
    const viewerClient = await admin.login(viewer.email, viewer.password);
    expect((await viewerClient.get('/api/v1/audit')).status).toBe(200);
    expect((await admin.anonymous().get('/api/v1/audit')).status).toBe(401);
  });
});
