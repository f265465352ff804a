import { createHash } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { type ApiClient, sessionCookieOf } from '../support/api-client.js';
import { upstreamDoc } from '../support/factories.js';
import { createUser } from '../support/role-clients.js';
import { ADMIN, TestApp } from '../support/test-app.js';
import { TestDatabase } from '../support/test-database.js';

let db: TestDatabase;
let app: TestApp;
let admin: ApiClient;

beforeAll(async () => {
  db = await TestDatabase.create('auth');
  // Room for this file's own logins; the limiter has its own app below.
  app = await TestApp.start({ databaseUrl: db.url, env: { LOGIN_ATTEMPTS_PER_MINUTE: '1000' } });
  admin = await app.admin();
});

afterAll(async () => {
  await app?.stop();
  await db?.drop();
});

const sha256 = (s: string) => createHash('sha256').update(s).digest('hex');
const login = (email: string, password: string) =>
  admin.anonymous().post('/api/v1/auth/login', { email, password });

describe('login and sessions', () => {
  it('sets an HttpOnly, SameSite session cookie whose secret is stored only hashed', async () => {
    const res = await login(ADMIN.email, ADMIN.password);
    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({ user: { email: ADMIN.email, role: 'admin' } });
    const ttl = new Date(res.body.expiresAt).getTime() - Date.now();
    expect(ttl).toBeGreaterThan(11.9 * 3_600_000);
    expect(ttl).toBeLessThan(12.1 * 3_600_000);

    const setCookie = res.headers.getSetCookie().find((c) => c.startsWith('portico_session='))!;
    const attributes = setCookie.split(';').map((a) => a.trim().toLowerCase());
    expect(attributes).toEqual(expect.arrayContaining(['httponly', 'samesite=lax', 'path=/']));
    expect(attributes.some((a) => a.startsWith('expires='))).toBe(true);
    expect(attributes).not.toContain('secure'); // COOKIE_SECURE is off by default (plain http)

    const secret = sessionCookieOf(res).split('=')[1]!;
    expect(secret.length).toBeGreaterThanOrEqual(40);
    expect(res.text).not.toContain(secret);
    const rows = await db.query<{ tokenHash: string }>('SELECT "tokenHash" FROM "Session"');
    expect(rows.map((r) => r.tokenHash)).toContain(sha256(secret));
    expect(JSON.stringify(rows)).not.toContain(secret);
  });

  it('tells who is logged in', async () => {
    const me = await admin.get('/api/v1/auth/me');
    expect(me.body).toMatchObject({
      email: ADMIN.email,
      role: 'admin',
      via: 'session',
      permissions: ['read', 'write', 'deploy', 'admin'],
    });
  });

  it('matches emails case-insensitively', async () => {
    expect((await login(ADMIN.email.toUpperCase(), ADMIN.password)).status).toBe(200);
  });

  it('answers a wrong password, an unknown email and a disabled account alike', async () => {
    const disabled = await createUser(admin, 'operator');
    expect((await admin.patch(`/api/v1/users/${disabled.id}`, { disabled: true })).status).toBe(200);
    const bodies = [
      await login(ADMIN.email, 'not-the-password'),
      await login('nobody@portico.test', ADMIN.password),
      await login(disabled.email, disabled.password),
    ];
    for (const res of bodies) {
      expect(res.status).toBe(401);
      expect(res.headers.getSetCookie()).toEqual([]);
    }
    expect(new Set(bodies.map((r) => r.text)).size).toBe(1);
    expect(bodies[0]!.body.code).toBe('INVALID_CREDENTIALS');
  });

  it('validates the login document', async () => {
    for (const body of [
      { email: ADMIN.email },
      { email: 'x', password: 'y' },
      { ...ADMIN, remember: true },
    ]) {
      const res = await admin.anonymous().post('/api/v1/auth/login', body);
      expect(res.status).toBe(400);
      expect(res.body.details.length).toBeGreaterThan(0);
    }
  });

  it('logs out: the cookie is cleared and the session is dead server-side', async () => {
    const client = await admin.login(ADMIN.email, ADMIN.password);
    expect((await client.get('/api/v1/auth/me')).status).toBe(200);
    const out = await client.post('/api/v1/auth/logout');
    expect(out.status).toBe(204);
    const cleared = out.headers.getSetCookie().find((c) => c.startsWith('portico_session='))!;
    expect(cleared).toMatch(/portico_session=;/);
    expect(cleared).toMatch(/Expires=Thu, 01 Jan 1970/);
    // Replaying the old cookie does not work.
    const replay = await client.get('/api/v1/auth/me');
    expect(replay.status).toBe(401);
    expect(replay.body.code).toBe('UNAUTHENTICATED');
    expect((await admin.anonymous().post('/api/v1/auth/logout')).status).toBe(204);
  });

  it('audits logins and logouts, not failed attempts', async () => {
    const user = await createUser(admin, 'viewer');
    const count = async (action: string) =>
      (await admin.get(`/api/v1/audit?action=${action}&actor=${encodeURIComponent(user.email)}`)).body;
    expect((await login(user.email, 'not-the-password')).status).toBe(401);
    expect((await count('auth.login')).total).toBe(0);
    const res = await admin
      .anonymous()
      .post(
        '/api/v1/auth/login',
        { email: user.email, password: user.password },
        { 'x-request-id': 'audited-login' },
      );
    const logins = await count('auth.login');
    expect(logins.items).toEqual([
      expect.objectContaining({
        actorType: 'session',
        actorId: user.id,
        targetType: 'session',
        requestId: 'audited-login',
      }),
    ]);
    expect(JSON.stringify(logins)).not.toContain(sessionCookieOf(res).split('=')[1]!);
    await admin.withCookie(sessionCookieOf(res)).post('/api/v1/auth/logout');
    const logouts = await count('auth.logout');
    expect(logouts.items).toEqual([expect.objectContaining({ targetId: logins.items[0].targetId })]);
  });

  it('refuses forged and expired sessions', async () => {
    expect((await admin.withCookie('portico_session=forged-value').get('/api/v1/auth/me')).status).toBe(401);
    const client = await admin.login(ADMIN.email, ADMIN.password);
    const secret =
      client.credential && 'cookie' in client.credential ? client.credential.cookie.split('=')[1]! : '';
    await db.query(`UPDATE "Session" SET "expiresAt" = now() - interval '1 second' WHERE "tokenHash" = $1`, [
      sha256(secret),
    ]);
    expect((await client.get('/api/v1/auth/me')).status).toBe(401);
  });

  it('ends every session of a user whose password changes or who is disabled', async () => {
    const user = await createUser(admin, 'operator');
    const first = await admin.login(user.email, user.password);
    const second = await admin.login(user.email, user.password);
    const newPassword = 'a-brand-new-password';
    expect((await admin.patch(`/api/v1/users/${user.id}`, { password: newPassword })).status).toBe(200);
    expect((await first.get('/api/v1/auth/me')).status).toBe(401);
    expect((await second.get('/api/v1/auth/me')).status).toBe(401);
    expect((await login(user.email, user.password)).status).toBe(401);
    const third = await admin.login(user.email, newPassword);
    expect((await third.post('/api/v1/upstreams', upstreamDoc())).status).toBe(201);

    expect((await admin.patch(`/api/v1/users/${user.id}`, { disabled: true })).status).toBe(200);
    expect((await third.get('/api/v1/auth/me')).status).toBe(401);
  });

  it('applies a role change to live sessions at once', async () => {
    const user = await createUser(admin, 'operator');
    const client = await admin.login(user.email, user.password);
    expect((await client.post('/api/v1/upstreams', upstreamDoc())).status).toBe(201);
    expect((await admin.patch(`/api/v1/users/${user.id}`, { role: 'viewer' })).status).toBe(200);
    expect((await client.post('/api/v1/upstreams', upstreamDoc())).status).toBe(403);
  });

  it('keeps an admin from locking themselves out', async () => {
    const me = (await admin.get('/api/v1/auth/me')).body.id;
    for (const change of [{ role: 'operator' }, { disabled: true }]) {
      const res = await admin.patch(`/api/v1/users/${me}`, change);
      expect(res.status).toBe(403);
    }
    expect((await admin.delete(`/api/v1/users/${me}`)).status).toBe(403);
    expect((await admin.get('/api/v1/auth/me')).body.role).toBe('admin');
  });

  it('never returns password hashes from the users API', async () => {
    const list = await admin.get('/api/v1/users');
    expect(list.status).toBe(200);
    expect(list.body.items.length).toBeGreaterThan(1);
    expect(list.text).not.toContain('passwordHash');
    expect(list.text).not.toContain('$argon2');
    const dup = await admin.post('/api/v1/users', {
      email: ADMIN.email.toUpperCase(),
      password: 'long-enough-pw',
    });
    expect(dup.status).toBe(409);
  });
});

describe('login rate limit and secure cookies', () => {
  let limited: TestApp;
  let limitedDb: TestDatabase;

  beforeAll(async () => {
    limitedDb = await TestDatabase.create('auth_limit');
    limited = await TestApp.start({
      databaseUrl: limitedDb.url,
      env: { LOGIN_ATTEMPTS_PER_MINUTE: '3', COOKIE_SECURE: 'true' },
    });
  });

  afterAll(async () => {
    await limited?.stop();
    await limitedDb?.drop();
  });

  it('marks the cookie Secure when COOKIE_SECURE is set', async () => {
    const res = await limited.client().post('/api/v1/auth/login', ADMIN);
    expect(res.status).toBe(200);
    const cookie = res.headers.getSetCookie().find((c) => c.startsWith('portico_session='))!;
    expect(cookie.split(';').map((a) => a.trim())).toContain('Secure');
  });

  it('answers 429 once the attempts per minute are used up, even with the right password', async () => {
    const client = limited.client();
    // One attempt went to the test above.
    expect((await client.post('/api/v1/auth/login', { ...ADMIN, password: 'wrong-guess-1' })).status).toBe(
      401,
    );
    expect((await client.post('/api/v1/auth/login', { ...ADMIN, password: 'wrong-guess-2' })).status).toBe(
      401,
    );
    const blocked = await client.post('/api/v1/auth/login', ADMIN);
    expect(blocked.status).toBe(429);
    expect(blocked.body).toMatchObject({ statusCode: 429, code: 'RATE_LIMITED' });
    expect(Number(blocked.headers.get('retry-after'))).toBeGreaterThan(0);
    expect(blocked.headers.getSetCookie()).toEqual([]);
    // Only login is limited: the API keeps answering.
    expect((await client.get('/healthz')).status).toBe(200);
    expect((await client.get('/api/v1/sites')).status).toBe(401);
  });
});
