import { randomBytes, randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import ssh2 from 'ssh2';
import WebSocket from 'ws';
import { type Json, sessionCookieOf } from '../support/api-client.js';
import { agentDoc, upstreamDoc } from '../support/factories.js';
import { createUser } from '../support/role-clients.js';
import { ADMIN, TestApp } from '../support/test-app.js';
import { TestDatabase } from '../support/test-database.js';

// Structured logs: one JSON line per event, request ids that match the X-Request-Id header, and
// none of the secrets that passed through the process in headers, bodies or configuration.

const DB_PASSWORD = `db-${randomBytes(12).toString('hex')}`;
const SECRET_KEY = randomBytes(32).toString('hex');

let db: TestDatabase;
let app: TestApp;
let lines: Record<string, Json>[];
const secrets: Record<string, string> = {};
const requestIds: string[] = [];

beforeAll(async () => {
  db = await TestDatabase.create('logs');
  // Trust auth accepts any password, so the URL can carry one that must never be printed.
  const url = new URL(db.url);
  url.username = 'postgres';
  url.password = DB_PASSWORD;
  app = await TestApp.start({
    databaseUrl: url.toString(),
    env: { PORTICO_SECRET_KEY: SECRET_KEY, LOG_LEVEL: 'debug' },
  });

  // Exercise everything that handles a secret.
  const loginRes = await app
    .client()
    .post('/api/v1/auth/login', ADMIN, { 'x-request-id': 'login-request-1' });
  requestIds.push('login-request-1');
  const admin = app.client().withCookie(sessionCookieOf(loginRes));
  secrets.session = sessionCookieOf(loginRes).split('=')[1]!;
  secrets.wrongPassword = `guess-${randomUUID()}`;
  await app.client().post('/api/v1/auth/login', { email: ADMIN.email, password: secrets.wrongPassword });
  const user = await createUser(admin, 'operator');
  secrets.userPassword = user.password;
  secrets.changedPassword = `changed-${randomUUID()}`;
  await admin.patch(`/api/v1/users/${user.id}`, { password: secrets.changedPassword });
  const token = await admin.post('/api/v1/tokens', { name: 'logged', scopes: ['read', 'write'] });
  const tokenText: string = token.body.token;
  secrets.token = tokenText;
  const withToken = admin.withBearer(tokenText);
  await withToken.post('/api/v1/upstreams', upstreamDoc(), { 'x-request-id': 'token-request-2' });
  requestIds.push('token-request-2');
  await withToken.get('/api/v1/sites?limit=5');
  // Where else a token travels: a browser's `?token=` (the WebSocket's way), a header nobody
  // planned for, and a path (a mistaken copy-paste), none of which may reach the log.
  await app.client().get(`/api/v1/sites?limit=2&token=${tokenText}`, { 'x-request-id': 'url-token-3' });
  requestIds.push('url-token-3');
  await app.client().get(`/api/v1/sites?access_token=${encodeURIComponent(tokenText)}`);
  await app.client().get('/api/v1/sites', { 'x-api-key': tokenText, 'x-forwarded-for': tokenText });
  await app.client().get(`/api/v1/sites/${tokenText}`);
  const wsUrl = `${app.baseUrl.replace(/^http/, 'ws')}/api/v1/ws?token=${tokenText}`;
  await new Promise<void>((resolve) => {
    const ws = new WebSocket(wsUrl);
    ws.once('open', () => ws.close());
    ws.once('close', () => resolve());
    ws.once('error', () => resolve());
  });
  const pair = ssh2.utils.generateKeyPairSync('ed25519');
  secrets.privateKey = pair.private.split('\n')[1]!;
  await admin.post('/api/v1/agents', agentDoc({ privateKey: pair.private }));
  await admin.post('/api/v1/agents', agentDoc({ privateKey: `${pair.private}garbage` }));
  await app.client().get('/api/v1/sites', { authorization: `Bearer ${tokenText}revoked` });
  await admin.delete(`/api/v1/tokens/${token.body.id}`);
  await withToken.get('/api/v1/sites');
  await admin.get('/api/v1/sites', { 'x-request-id': 'bad id with spaces' });

  await app.stop();
  lines = app.stdout
    .split('\n')
    .filter((l) => l.trim())
    .map((l) => {
      try {
        return JSON.parse(l) as Record<string, Json>;
      } catch {
        return { unparsable: l };
      }
    });
});

afterAll(async () => {
  await app?.stop();
  await db?.drop();
});

describe('structured logs', () => {
  it('are one JSON object per line, with a level and a time', () => {
    expect(lines.length).toBeGreaterThan(20);
    expect(lines.filter((l) => 'unparsable' in l)).toEqual([]);
    for (const line of lines) {
      expect(typeof line.level).toBe('number');
      expect(typeof line.time).toBe('number');
    }
  });

  it('log each request once, under the request id the client sent or one it was given', () => {
    const requests = lines.filter((l) => l.req && l.res);
    expect(requests.length).toBeGreaterThan(10);
    for (const id of requestIds) {
      expect(requests.filter((l) => l.req.id === id)).toHaveLength(1);
    }
    for (const l of requests) {
      expect(l.req.id).toMatch(/^[\w.-]{1,64}$/);
      expect(typeof l.res.statusCode).toBe('number');
      expect(typeof l.responseTime).toBe('number');
    }
    // A request id that is not a plain token is replaced by a generated one.
    const odd = requests.find((l) => l.req.headers['x-request-id'] === 'bad id with spaces');
    expect(odd?.req.id).toMatch(/^[0-9a-f-]{36}$/);
  });

  it('never contain passwords, tokens, session cookies, keys or the database password', () => {
    const everything = app.stdout + app.stderr;
    const leaks = Object.entries({
      ...secrets,
      adminPassword: ADMIN.password,
      dbPassword: DB_PASSWORD,
      secretKey: SECRET_KEY,
    }).filter(([, value]) => everything.includes(value));
    expect(leaks.map(([name]) => name)).toEqual([]);
    for (const l of lines.filter((x) => x.req)) {
      expect(l.req.headers).not.toHaveProperty('authorization');
      expect(l.req.headers).not.toHaveProperty('cookie');
      expect(l.res.headers ?? {}).not.toHaveProperty('set-cookie');
    }
  });

  it('mask tokens in URLs, query objects and unplanned places, keeping the rest of the line', () => {
    const line = lines.find((l) => l.req?.id === 'url-token-3');
    expect(line?.req.url).toBe('/api/v1/sites?limit=2&token=[REDACTED]');
    expect(line?.req.query).toEqual({ limit: '2', token: '[REDACTED]' });
    const path = lines.find(
      (l) => typeof l.req?.url === 'string' && l.req.url.startsWith('/api/v1/sites/ptk_'),
    );
    expect(path?.req.url).toBe('/api/v1/sites/ptk_[REDACTED]');
  });

  it('records who started and with which database, without the connection string', () => {
    expect(lines.some((l) => typeof l.msg === 'string' && /external Postgres/.test(l.msg))).toBe(true);
    expect(app.stdout).not.toContain('postgresql://');
  });
});
