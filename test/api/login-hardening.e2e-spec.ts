import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import type { ApiClient } from '../support/api-client.js';
import { createUser } from '../support/role-clients.js';
import { TestApp } from '../support/test-app.js';
import { TestDatabase } from '../support/test-database.js';

// Logins behind a trusted reverse proxy: the limit per client address uses the forwarded
// address (so one attacker does not lock everyone out), a per-account backoff slows guessing one
// account without touching the others, cookies are Secure when the proxy says https, weak
// passwords are refused at the users write path, and expired sessions are swept on login.
// The "proxy" is this test sending X-Forwarded-* from loopback, which TRUST_PROXY trusts.

let db: TestDatabase;
let app: TestApp;
let admin: ApiClient;

beforeAll(async () => {
  db = await TestDatabase.create('login_hardening');
  app = await TestApp.start({
    databaseUrl: db.url,
    timeoutMs: 90_000,
    env: {
      TRUST_PROXY: 'loopback',
      LOGIN_ATTEMPTS_PER_MINUTE: '3',
      LOGIN_ACCOUNT_FREE_ATTEMPTS: '3',
      LOGIN_ACCOUNT_MAX_BACKOFF_SEC: '600',
    },
  });
  admin = await app.admin();
});

afterAll(async () => {
  await app?.stop();
  await db?.drop();
});

let nextAddress = 1;
/** A client address of its own (TEST-NET-2), as the proxy would forward it. */
const fromAddress = () => ({ 'x-forwarded-for': `198.51.100.${nextAddress++}` });
const login = (email: string, password: string, headers: Record<string, string>) =>
  app.client().post('/api/v1/auth/login', { email, password }, headers);

describe('login behind a trusted proxy', () => {
  it('limits each forwarded client address on its own: two users do not lock each other out', async () => {
    const [alice, bob] = [await createUser(admin, 'viewer'), await createUser(admin, 'viewer')];
    const aliceAddress = fromAddress();
    for (let i = 0; i < 3; i++)
      expect((await login(alice.email, 'wrong-guess', aliceAddress)).status).toBe(401);
    const blocked = await login(alice.email, alice.password, aliceAddress);
    expect(blocked.status).toBe(429);
    expect(blocked.body.code).toBe('RATE_LIMITED');
    // Bob comes through the same proxy from another address.
    expect((await login(bob.email, bob.password, fromAddress())).status).toBe(200);
  });

  it('backs off one account hammered from many addresses, and only that account', async () => {
    const [victim, other] = [await createUser(admin, 'operator'), await createUser(admin, 'viewer')];
    for (let i = 0; i < 4; i++) {
      expect((await login(victim.email, `guess-${i}-wrong-pw`, fromAddress())).status).toBe(401);
    }
    // Past the free attempts: the account waits, whatever the address and even with the password.
    const held = await login(victim.email, victim.password, fromAddress());
    expect(held.status).toBe(429);
    expect(held.body.code).toBe('RATE_LIMITED');
    expect(Number(held.headers.get('retry-after'))).toBeGreaterThan(0);
    expect(held.headers.getSetCookie()).toEqual([]);
    // The attacker does not lock other accounts, nor unknown ones in a way that tells them apart.
    expect((await login(other.email, other.password, fromAddress())).status).toBe(200);
    expect(
      (await login(`nobody-${randomUUID()}@portico.test`, 'x-wrong-password', fromAddress())).status,
    ).toBe(401);
  });

  it('marks the session cookie Secure when the trusted proxy says the client used https', async () => {
    const user = await createUser(admin, 'viewer');
    const plain = await login(user.email, user.password, fromAddress());
    const cookieOf = (res: typeof plain) =>
      res.headers
        .getSetCookie()
        .find((c) => c.startsWith('portico_session='))!
        .split(';')
        .map((a) => a.trim());
    expect(cookieOf(plain)).not.toContain('Secure');
    const https = await login(user.email, user.password, { ...fromAddress(), 'x-forwarded-proto': 'https' });
    expect(https.status).toBe(200);
    expect(cookieOf(https)).toContain('Secure');
  });
});

describe('password policy', () => {
  it.each([['password1234'], ['aaaaaaaaaaaa'], ['qwertyuiop123']])(
    'refuses %s with 400 naming the field and the reason, on create and on update',
    async (password) => {
      const email = `weak-${randomUUID().slice(0, 8)}@portico.test`;
      const created = await admin.post('/api/v1/users', { email, password });
      expect(created.status).toBe(400);
      expect(created.body.code).toBe('VALIDATION_FAILED');
      expect(created.body.details).toEqual([
        { field: 'password', message: expect.stringMatching(/^is too easy to guess/) },
      ]);
      const user = await createUser(admin, 'viewer');
      const updated = await admin.patch(`/api/v1/users/${user.id}`, { password });
      expect(updated.status).toBe(400);
      expect(updated.body.details[0].field).toBe('password');
      // The old password still works: nothing was written.
      expect((await login(user.email, user.password, fromAddress())).status).toBe(200);
    },
  );

  it('accepts a long passphrase', async () => {
    const created = await admin.post('/api/v1/users', {
      email: `strong-${randomUUID().slice(0, 8)}@portico.test`,
      password: 'correct horse battery staple lamp',
    });
    expect(created.status).toBe(201);
  });
});

describe('sessions', () => {
  it('sweeps expired sessions when someone logs in', async () => {
    const user = await createUser(admin, 'viewer');
    await db.query(
      `INSERT INTO "Session" (id, "tokenHash", "userId", "expiresAt")
       VALUES ($1, $2, $3, now() - interval '1 hour')`,
      [randomUUID(), `expired-${randomUUID()}`, user.id],
    );
    const expired = () =>
      db.query<{ n: number }>('SELECT count(*)::int AS n FROM "Session" WHERE "expiresAt" <= now()');
    expect((await expired())[0]!.n).toBeGreaterThan(0);
    expect((await login(user.email, user.password, fromAddress())).status).toBe(200);
    expect((await expired())[0]!.n).toBe(0);
  });
});
