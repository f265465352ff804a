import { createHash, randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import type { ApiClient } from '../support/api-client.js';
import { upstreamDoc } from '../support/factories.js';
import { createToken, createUser } from '../support/role-clients.js';
import { ADMIN, TestApp } from '../support/test-app.js';
import { TestDatabase } from '../support/test-database.js';

let db: TestDatabase;
let app: TestApp;
let admin: ApiClient;

beforeAll(async () => {
  db = await TestDatabase.create('tokens');
  app = await TestApp.start({ databaseUrl: db.url });
  admin = await app.admin();
});

afterAll(async () => {
  await app?.stop();
  await db?.drop();
});

const sha256 = (s: string) => createHash('sha256').update(s).digest('hex');

describe('API tokens', () => {
  it('shows the token once and stores only its hash', async () => {
    const res = await admin.post('/api/v1/tokens', { name: 'ci pipeline', scopes: ['read', 'write'] });
    expect(res.status).toBe(201);
    const token: string = res.body.token;
    expect(token).toMatch(/^ptk_[A-Za-z0-9_-]{43}$/);
    expect(res.body).toMatchObject({
      name: 'ci pipeline',
      prefix: token.slice(0, 10),
      scopes: ['read', 'write'],
      expiresAt: null,
      revokedAt: null,
    });
    expect(res.body).not.toHaveProperty('tokenHash');

    const list = await admin.get('/api/v1/tokens');
    const listed = list.body.items.find((t: { id: string }) => t.id === res.body.id);
    expect(listed).toMatchObject({ prefix: token.slice(0, 10), user: { email: ADMIN.email } });
    expect(list.text).not.toContain(token);
    expect(list.text).not.toContain('tokenHash');

    const [row] = await db.query('SELECT * FROM "ApiToken" WHERE id = $1', [res.body.id]);
    expect(row!.tokenHash).toBe(sha256(token));
    expect(JSON.stringify(row)).not.toContain(token);
  });

  it('authenticates as Bearer and records when it was last used', async () => {
    const { id, client } = await createToken(admin, ['read']);
    expect((await client.get('/api/v1/auth/me')).body).toMatchObject({ via: 'token', email: ADMIN.email });
    const listed = (await admin.get('/api/v1/tokens')).body.items.find((t: { id: string }) => t.id === id);
    expect(listed.lastUsedAt).toEqual(expect.any(String));
  });

  it('refuses malformed, unknown and wrong-scheme credentials', async () => {
    const { token } = await createToken(admin, ['read']);
    const anonymous = admin.anonymous();
    for (const authorization of [
      'Bearer ptk_not-a-real-token',
      `Bearer ${token}x`,
      `Bearer ${token.slice(0, -1)}`,
      `Basic ${Buffer.from(`${ADMIN.email}:${ADMIN.password}`).toString('base64')}`,
      `bearer${token}`,
      'Bearer ',
    ]) {
      const res = await anonymous.get('/api/v1/sites', { authorization });
      expect({ authorization: authorization.slice(0, 12), status: res.status }).toEqual({
        authorization: authorization.slice(0, 12),
        status: 401,
      });
    }
  });

  it('stops working the moment it is revoked; revoking again changes nothing', async () => {
    const { id, client } = await createToken(admin, ['read', 'write']);
    expect((await client.post('/api/v1/upstreams', upstreamDoc())).status).toBe(201);
    expect((await admin.delete(`/api/v1/tokens/${id}`)).status).toBe(204);
    const after = await client.get('/api/v1/sites');
    expect(after.status).toBe(401);
    expect(after.body.code).toBe('UNAUTHENTICATED');
    const first = (await db.query('SELECT "revokedAt" FROM "ApiToken" WHERE id = $1', [id]))[0]!.revokedAt;
    expect((await admin.delete(`/api/v1/tokens/${id}`)).status).toBe(204);
    const second = (await db.query('SELECT "revokedAt" FROM "ApiToken" WHERE id = $1', [id]))[0]!.revokedAt;
    expect(second).toEqual(first);
    expect((await admin.delete(`/api/v1/tokens/${randomUUID()}`)).status).toBe(404);
  });

  it('expires at its expiry time', async () => {
    const expiresAt = new Date(Date.now() + 2_000).toISOString();
    const { client } = await createToken(admin, ['read'], expiresAt);
    expect((await client.get('/api/v1/sites')).status).toBe(200);
    await new Promise((r) => setTimeout(r, 2_200));
    expect((await client.get('/api/v1/sites')).status).toBe(401);
  });

  it('dies with its owner: disabled owners and deleted owners', async () => {
    const owner = await createUser(admin, 'admin');
    const ownerClient = await admin.login(owner.email, owner.password);
    const { client } = await createToken(ownerClient, ['read']);
    expect((await client.get('/api/v1/sites')).status).toBe(200);
    await admin.patch(`/api/v1/users/${owner.id}`, { disabled: true });
    expect((await client.get('/api/v1/sites')).status).toBe(401);
    await admin.patch(`/api/v1/users/${owner.id}`, { disabled: false });
    expect((await client.get('/api/v1/sites')).status).toBe(200);
    expect((await admin.delete(`/api/v1/users/${owner.id}`)).status).toBe(204);
    expect((await client.get('/api/v1/sites')).status).toBe(401);
  });

  it('is not a session: a token cannot log out anyone, and a cookie cannot be sent as a token', async () => {
    const session = await admin.login(ADMIN.email, ADMIN.password);
    const cookieSecret =
      session.credential && 'cookie' in session.credential ? session.credential.cookie.split('=')[1]! : '';
    expect(
      (await admin.anonymous().get('/api/v1/sites', { authorization: `Bearer ${cookieSecret}` })).status,
    ).toBe(401);
    const { token } = await createToken(admin, ['read']);
    expect((await admin.withCookie(`portico_session=${token}`).get('/api/v1/sites')).status).toBe(401);
  });
});
