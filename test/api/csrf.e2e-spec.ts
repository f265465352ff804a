import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import type { ApiClient } from '../support/api-client.js';
import { upstreamDoc } from '../support/factories.js';
import { createToken } from '../support/role-clients.js';
import { TestApp } from '../support/test-app.js';
import { TestDatabase } from '../support/test-database.js';

// The CSRF rules at the HTTP level (docs/api.md, "Browsers and CSRF"): state-changing routes take
// JSON (and their document types where they read documents), never a type an HTML form can
// send; a change made with the session cookie must come from an allowed origin; API tokens are
// not touched by the Origin rule.

const ALLOWED = 'https://portico.example.test';

describe('CSRF rules', () => {
  let db: TestDatabase;
  let app: TestApp;
  let admin: ApiClient;
  let cookie: string;
  let token: string;

  beforeAll(async () => {
    db = await TestDatabase.create('csrf');
    app = await TestApp.start({
      databaseUrl: db.url,
      env: { HEALTH_ENABLED: 'false', ALLOWED_ORIGINS: ALLOWED },
      timeoutMs: 60_000,
    });
    admin = await app.admin();
    cookie = (admin.credential as { cookie: string }).cookie;
    token = (await createToken(admin, ['read', 'write', 'admin'])).token;
  }, 90_000);

  afterAll(async () => {
    await app?.stop();
    await db?.drop();
  });

  /** A raw request: exactly these headers, nothing added. */
  const send = (method: string, path: string, headers: Record<string, string>, body?: string | FormData) =>
    fetch(new URL(path, app.baseUrl), { method, headers, body }).then(async (res) => ({
      status: res.status,
      body: (await res.json().catch(() => null)) as { code?: string } | null,
    }));

  const upstreamNames = async () =>
    ((await admin.get('/api/v1/upstreams?limit=500')).body.items as { name: string }[]).map((u) => u.name);

  it('refuses the types an HTML form can send (415) before reading them, with any credential', async () => {
    const doc = upstreamDoc();
    const form = new FormData();
    form.set('name', doc.name);
    const own = new URL(app.baseUrl).origin;
    for (const [type, body] of [
      ['application/x-www-form-urlencoded', `name=${doc.name}&targets=x`],
      ['text/plain', JSON.stringify(doc)],
    ] as const) {
      const credentials: Record<string, string>[] = [
        { cookie, origin: own },
        { authorization: `Bearer ${token}` },
      ];
      for (const auth of credentials) {
        const res = await send('POST', '/api/v1/upstreams', { ...auth, 'content-type': type }, body);
        expect({ type, status: res.status, code: res.body?.code }).toEqual({
          type,
          status: 415,
          code: 'UNSUPPORTED_MEDIA_TYPE',
        });
      }
    }
    const multipart = await send('POST', '/api/v1/upstreams', { cookie, origin: own }, form);
    expect(multipart.status).toBe(415);
    // A body without a type is no better.
    const untyped = await fetch(new URL('/api/v1/upstreams', app.baseUrl), {
      method: 'POST',
      headers: { authorization: `Bearer ${token}` },
      body: new Blob([JSON.stringify(doc)]),
    });
    expect(untyped.status).toBe(415);
    // Login is not a side door either.
    const login = await send(
      'POST',
      '/api/v1/auth/login',
      { 'content-type': 'application/x-www-form-urlencoded' },
      'email=admin%40portico.test&password=x',
    );
    expect(login.status).toBe(415);
    expect(await upstreamNames()).not.toContain(doc.name);
  });

  it('takes YAML on /apply only as application/yaml, and backups on /restore as octet-stream', async () => {
    const name = upstreamDoc().name;
    const yaml = `apiVersion: portico/v1\nupstreams:\n  - name: ${name}\n    targets: [{ host: 10.0.0.1, port: 80 }]\n`;
    const plain = await admin.request('POST', '/api/v1/apply?dryRun=true', {
      raw: yaml,
      headers: { 'content-type': 'text/plain' },
    });
    expect(plain.status).toBe(415);
    const typed = await admin.request('POST', '/api/v1/apply?dryRun=true', {
      raw: yaml,
      headers: { 'content-type': 'application/yaml' },
    });
    expect(typed.status).toBe(200);
    // The YAML type is for /apply: elsewhere it is refused like any other non-JSON type.
    const elsewhere = await admin.request('POST', '/api/v1/upstreams', {
      raw: yaml,
      headers: { 'content-type': 'application/yaml' },
    });
    expect(elsewhere.status).toBe(415);
    // A restore read as octet-stream gets past the type rule (and is refused for what it is).
    const restore = await admin.request('POST', '/api/v1/restore', {
      raw: '{}',
      headers: { 'content-type': 'application/octet-stream' },
    });
    expect(restore.status).not.toBe(415);
  });

  it('refuses cookie-authenticated changes from another origin or none (403 CROSS_SITE_REQUEST)', async () => {
    const json = { cookie, 'content-type': 'application/json' };
    const refused: Record<string, string>[] = [
      { origin: 'http://evil.example' },
      { origin: 'null' },
      { origin: `${app.baseUrl}.evil.example` },
      {},
      { 'sec-fetch-site': 'same-site' },
      { 'sec-fetch-site': 'cross-site' },
    ];
    for (const extra of refused) {
      const doc = upstreamDoc();
      const res = await send('POST', '/api/v1/upstreams', { ...json, ...extra }, JSON.stringify(doc));
      expect({ extra, status: res.status, code: res.body?.code }).toEqual({
        extra,
        status: 403,
        code: 'CROSS_SITE_REQUEST',
      });
      expect(await upstreamNames()).not.toContain(doc.name);
    }

    // Deleting and logging out are changes too.
    const kept = await admin.post('/api/v1/upstreams', upstreamDoc());
    expect(kept.status).toBe(201);
    expect(
      (await send('DELETE', `/api/v1/upstreams/${kept.body.id}`, { cookie, origin: 'http://evil.example' }))
        .status,
    ).toBe(403);
    expect(
      (await send('POST', '/api/v1/auth/logout', { cookie, origin: 'http://evil.example' })).status,
    ).toBe(403);
    expect((await admin.get(`/api/v1/upstreams/${kept.body.id}`)).status).toBe(200);
    expect((await admin.get('/api/v1/auth/me')).status).toBe(200);
  });

  it('accepts the own origin, ALLOWED_ORIGINS, Sec-Fetch-Site same-origin, and bearer tokens from anywhere', async () => {
    const json = { 'content-type': 'application/json' };
    const accepted: Record<string, string>[] = [
      { cookie, origin: new URL(app.baseUrl).origin },
      { cookie, origin: ALLOWED },
      { cookie, 'sec-fetch-site': 'same-origin' },
      { authorization: `Bearer ${token}`, origin: 'http://evil.example' },
      { authorization: `Bearer ${token}` },
    ];
    for (const extra of accepted) {
      const doc = upstreamDoc();
      const res = await send('POST', '/api/v1/upstreams', { ...json, ...extra }, JSON.stringify(doc));
      expect({ extra: Object.keys(extra), status: res.status }).toEqual({
        extra: Object.keys(extra),
        status: 201,
      });
    }
    // Reading is not a change: no Origin needed.
    expect((await send('GET', '/api/v1/upstreams', { cookie })).status).toBe(200);
  });
});
