import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import type { ApiClient } from '../support/api-client.js';
import { createToken, createUser } from '../support/role-clients.js';
import { TestApp } from '../support/test-app.js';
import { TestDatabase } from '../support/test-database.js';
import { WsClient } from './ws-client.js';

// Live WebSockets do not outlive their credentials: revoking a token, logging out, disabling or
// demoting a user closes or narrows the user's sockets at once, on every instance (the
// credentials.changed event crosses them through Redis); an expired token is caught by the
// periodic re-check; a cookie only opens a socket from an allowed origin.

const REDIS_URL = process.env.PORTICO_TEST_REDIS ?? 'redis://127.0.0.1:6379';
/** What "at once" means here: the bound, with the machine shared by other test runs. */
const PROMPTLY_MS = 2_000;

describe('WebSocket credentials', () => {
  let db: TestDatabase;
  let a: TestApp;
  let b: TestApp;
  let adminA: ApiClient;
  let adminB: ApiClient;
  const sockets: WsClient[] = [];

  beforeAll(async () => {
    db = await TestDatabase.create('ws_credentials');
    const env = {
      REDIS_URL,
      REDIS_PREFIX: `portico-test-${randomBytes(4).toString('hex')}`,
      HEALTH_ENABLED: 'false',
      // Never within a test: what closes the sockets here is the event, not the periodic re-check.
      WS_RECHECK_SEC: '3600',
      ALLOWED_ORIGINS: 'https://dashboard.example.test',
    };
    a = await TestApp.start({ databaseUrl: db.url, env, timeoutMs: 60_000 });
    b = await TestApp.start({ databaseUrl: db.url, env, timeoutMs: 60_000 });
    adminA = await a.admin();
    adminB = await b.admin();
  }, 150_000);

  afterAll(async () => {
    for (const ws of sockets) ws.close();
    await a?.stop();
    await b?.stop();
    await db?.drop();
  });

  /** A socket that is ready (authenticated) and watches the fleet. */
  async function watching(app: TestApp, credential: Parameters<typeof WsClient.connect>[1]) {
    const ws = await WsClient.connect(app.baseUrl, credential);
    sockets.push(ws);
    await ws.next((m) => m.event === 'ready');
    ws.subscribe('fleet');
    await ws.next((m) => m.event === 'snapshot');
    return ws;
  }

  /** Resolves with the close code, or fails when the socket is still open after PROMPTLY_MS. */
  async function closedPromptly(ws: WsClient, since: number): Promise<number> {
    const code = await Promise.race([
      ws.closed,
      new Promise<null>((r) => setTimeout(() => r(null), PROMPTLY_MS - (Date.now() - since))),
    ]);
    if (code === null) throw new Error(`the socket is still open ${PROMPTLY_MS} ms after the change`);
    return code;
  }

  // Minting tokens takes the admin permission, so their owners are admins.
  it('closes a revoked token’s sockets (4401) within 2 s, also when revoked on the other instance', async () => {
    const user = await createUser(adminA, 'admin');
    const owner = await adminA.login(user.email, user.password);
    const { id, token } = await createToken(owner, ['read', 'write']);
    const onA = await watching(a, { bearer: token });
    const onB = await watching(b, { token });
    const kept = await watching(a, { bearer: (await createToken(owner, ['read'])).token });

    const since = Date.now();
    expect((await adminB.delete(`/api/v1/tokens/${id}`)).status).toBe(204);
    expect(await closedPromptly(onA, since)).toBe(4401);
    expect(await closedPromptly(onB, since)).toBe(4401);
    // Another token of the same user stays open and answers.
    kept.send('ping', {});
    await kept.next((m) => m.event === 'pong');
    expect(kept.closeCode).toBeNull();
  });

  it('closes the socket of a session that logged out (on the other instance) within 2 s', async () => {
    const user = await createUser(adminA, 'viewer');
    const session = await adminA.login(user.email, user.password);
    const other = await adminA.login(user.email, user.password);
    const cookie = (session.credential as { cookie: string }).cookie;
    const ws = await watching(a, { cookie });
    const otherWs = await watching(a, { cookie: (other.credential as { cookie: string }).cookie });

    const since = Date.now();
    expect((await adminB.withCookie(cookie).request('POST', '/api/v1/auth/logout')).status).toBe(204);
    expect(await closedPromptly(ws, since)).toBe(4401);
    // The user's other session was not logged out: its socket stays.
    otherWs.send('ping', {});
    await otherWs.next((m) => m.event === 'pong');
    expect(otherWs.closeCode).toBeNull();
  });

  it('closes every socket of a disabled user within 2 s, on both instances', async () => {
    const user = await createUser(adminA, 'admin');
    const session = await adminA.login(user.email, user.password);
    const { token } = await createToken(session, ['read']);
    const cookieWs = await watching(b, { cookie: (session.credential as { cookie: string }).cookie });
    const tokenWs = await watching(a, { bearer: token });

    const since = Date.now();
    expect((await adminA.patch(`/api/v1/users/${user.id}`, { disabled: true })).status).toBe(200);
    expect(await closedPromptly(cookieWs, since)).toBe(4401);
    expect(await closedPromptly(tokenWs, since)).toBe(4401);
  });

  it('narrows the sockets of a demoted user: told the new role, and no longer let past its permissions', async () => {
    const user = await createUser(adminA, 'admin');
    const session = await adminA.login(user.email, user.password);
    const ws = await watching(b, { cookie: (session.credential as { cookie: string }).cookie });
    expect(ws.messages.find((m) => m.event === 'ready')?.data.role).toBe('admin');

    const since = Date.now();
    expect((await adminA.patch(`/api/v1/users/${user.id}`, { role: 'viewer' })).status).toBe(200);
    const told = await ws.next((m) => m.event === 'credentials', PROMPTLY_MS);
    expect(Date.now() - since).toBeLessThan(PROMPTLY_MS);
    expect(told.data).toEqual({ role: 'viewer', permissions: ['read'] });
    expect(ws.closeCode).toBeNull();
  });

  it('re-checks periodically: a token that expires while its socket is open is closed (WS_RECHECK_SEC)', async () => {
    const c = await TestApp.start({
      databaseUrl: db.url,
      env: { HEALTH_ENABLED: 'false', WS_RECHECK_SEC: '1' },
      timeoutMs: 60_000,
    });
    try {
      await expiresWhileOpen(c);
    } finally {
      await c.stop();
    }
  }, 120_000);

  async function expiresWhileOpen(app: TestApp): Promise<void> {
    const user = await createUser(adminA, 'admin');
    const session = await adminA.login(user.email, user.password);
    const expiresAt = new Date(Date.now() + 4_000).toISOString();
    const { token } = await createToken(session, ['read'], expiresAt);
    const ws = await watching(app, { bearer: token });
    const code = await Promise.race([
      ws.closed,
      new Promise<null>((r) => setTimeout(() => r(null), 4_000 + 1_000 + PROMPTLY_MS)),
    ]);
    expect(code).toBe(4401);
  }

  it('refuses a cookie upgrade from another origin (4403) and accepts the own and ALLOWED_ORIGINS', async () => {
    const cookie = (adminA.credential as { cookie: string }).cookie;
    const evil = await WsClient.connect(a.baseUrl, { cookie, origin: 'http://evil.example' });
    sockets.push(evil);
    expect(await evil.closed).toBe(4403);
    expect(evil.messages).toEqual([]);

    // A cookie with no Origin at all is not a browser on the dashboard either.
    const bare = await WsClient.connect(a.baseUrl, { cookie, origin: '' });
    sockets.push(bare);
    expect(await bare.closed).toBe(4403);

    await watching(a, { cookie });
    await watching(a, { cookie, origin: 'https://dashboard.example.test' });
    // A token is not sent by a browser on its own: no Origin rule for it.
    const { token } = await createToken(adminA, ['read']);
    await watching(a, { token, origin: 'http://evil.example' });
  });
});
