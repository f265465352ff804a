import { mkdtemp, readFile, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import type { ApiClient, Json } from '../support/api-client.js';
import { agentDoc, siteDoc, upstreamDoc } from '../support/factories.js';
import { TestApp } from '../support/test-app.js';

// Zero-setup mode: no DATABASE_URL, so the built app runs embedded Postgres (PGlite) under
// PORTICO_DATA_DIR, creates the first admin with a random password it prints once (a plain
// boxed banner on stdout, not a log line), and keeps everything across restarts.

const FIRST_START = {
  DATABASE_URL: undefined,
  PORTICO_ADMIN_EMAIL: undefined,
  PORTICO_ADMIN_PASSWORD: undefined,
  PORTICO_SECRET_KEY: undefined,
};
const BANNER = /Password \(shown once\):\s+(\S+)/g;

let dataDir: string;
let app: TestApp | undefined;
let password: string;
let created: { upstream: Json; site: Json; agent: Json; revision: number };

beforeAll(async () => {
  dataDir = await mkdtemp(join(tmpdir(), 'portico-embedded-'));
});

afterAll(async () => {
  await app?.stop();
  await rm(dataDir, { recursive: true, force: true });
});

describe('embedded database', () => {
  it('starts from an empty data directory and prints the first admin password once', async () => {
    app = await TestApp.start({ dataDir, env: FIRST_START });
    const printed = [...app.stdout.matchAll(BANNER)].map((m) => m[1]!);
    expect(printed).toHaveLength(1);
    password = printed[0]!;
    expect(password.length).toBeGreaterThanOrEqual(20);
    // The banner says where to go, as whom, and where the data is.
    const banner = app.stdout.slice(app.stdout.indexOf('┌'), app.stdout.indexOf('┘') + 1);
    expect(banner).toContain(`Portico is running at ${app.baseUrl}`);
    expect(banner).toMatch(/Admin e-mail:\s+admin@portico\.local/);
    expect(banner).toMatch(new RegExp(`Data:\\s+${dataDir}.*embedded Postgres`));
    // Only the console banner has it: no structured log line does.
    const logLines = app.stdout.split('\n').filter((l) => l.startsWith('{'));
    expect(logLines.length).toBeGreaterThan(0);
    expect(logLines.filter((l) => l.includes(password))).toEqual([]);

    const health = await app.client().get('/healthz');
    expect(health.body).toEqual({ status: 'ok', database: 'up', pendingMigrations: [], embedded: true });
    expect(
      (
        await app
          .client()
          .post('/api/v1/auth/login', { email: 'admin@portico.local', password: 'wrong-password' })
      ).status,
    ).toBe(401);
  });

  it('serves the API: the printed password logs in, and writes land', async () => {
    const admin: ApiClient = await app!.client().login('admin@portico.local', password);
    const upstream = (await admin.post('/api/v1/upstreams', upstreamDoc())).body;
    const agent = (await admin.post('/api/v1/agents', agentDoc({ generateKey: true }))).body;
    const site = (await admin.post('/api/v1/sites', siteDoc(upstream.name, { agents: [agent.name] }))).body;
    expect([upstream.version, agent.hasPrivateKey, site.agents]).toEqual([1, true, [agent.name]]);
    created = { upstream, site, agent, revision: (await admin.get('/api/v1/revision')).body.revision };
  });

  it('handles a burst of concurrent writes without deadlocks (PGlite runs one transaction at a time)', async () => {
    const admin = await app!.client().login('admin@portico.local', password);
    const started = Date.now();
    const results = await Promise.all([
      ...Array.from({ length: 6 }, () => admin.post('/api/v1/upstreams', upstreamDoc())),
      ...Array.from({ length: 6 }, (_, i) =>
        admin.patch(`/api/v1/upstreams/${created.upstream.id}`, { keepalive: i }),
      ),
      ...Array.from({ length: 4 }, () => admin.post('/api/v1/sites', siteDoc(created.upstream.name))),
      admin.get('/api/v1/sites'),
      admin.get('/api/v1/audit'),
    ]);
    expect(results.map((r) => r.status)).toEqual([
      ...Array(6).fill(201),
      ...Array(6).fill(200),
      ...Array(4).fill(201),
      200,
      200,
    ]);
    expect(Date.now() - started).toBeLessThan(15_000);
    expect((await admin.get(`/api/v1/upstreams/${created.upstream.id}`)).body.version).toBe(7);
    created.revision = (await admin.get('/api/v1/revision')).body.revision;
    expect(created.revision).toBe(3 + 16);
  });

  // A query issued outside the transaction that is waiting for it would hang here until the
  // transaction timed out: on PGlite it queues behind that very transaction.
  it('completes every kind of write promptly', async () => {
    const admin = await app!.client().login('admin@portico.local', password);
    const timed = async (
      label: string,
      call: () => Promise<{ status: number; body: Json }>,
      expected: number,
    ) => {
      const started = Date.now();
      const res = await call();
      expect({ label, status: res.status, fast: Date.now() - started < 3_000 }).toEqual({
        label,
        status: expected,
        fast: true,
      });
      return res.body;
    };
    const up = await timed('upstream create', () => admin.post('/api/v1/upstreams', upstreamDoc()), 201);
    const agent = await timed(
      'agent create',
      () => admin.post('/api/v1/agents', agentDoc({ generateKey: true })),
      201,
    );
    await timed('agent update', () => admin.patch(`/api/v1/agents/${agent.id}`, { generateKey: true }), 200);
    const site = await timed(
      'site create',
      () => admin.post('/api/v1/sites', siteDoc(up.name, { agents: [agent.name] })),
      201,
    );
    await timed(
      'site update',
      () =>
        admin.patch(
          `/api/v1/sites/${site.id}`,
          { hostnames: [`x.${site.hostnames[0]}`] },
          { 'if-match': '"1"' },
        ),
      200,
    );
    const svc = await timed(
      'service create',
      () =>
        admin.post('/api/v1/services', {
          name: `svc-${site.id.slice(0, 8)}`,
          execStart: '/bin/true',
          agents: [agent.name],
        }),
      201,
    );
    await timed('service update', () => admin.patch(`/api/v1/services/${svc.id}`, { agents: [] }), 200);
    await timed('service delete', () => admin.delete(`/api/v1/services/${svc.id}`), 204);
    await timed('site delete', () => admin.delete(`/api/v1/sites/${site.id}`), 204);
    await timed('upstream in use? no longer', () => admin.delete(`/api/v1/upstreams/${up.id}`), 204);
    await timed('agent delete', () => admin.delete(`/api/v1/agents/${agent.id}`), 204);
    const user = await timed(
      'user create',
      () => admin.post('/api/v1/users', { email: 'op@portico.test', password: 'operator-password-1' }),
      201,
    );
    await timed(
      'user update',
      () => admin.patch(`/api/v1/users/${user.id}`, { password: 'operator-password-2', role: 'operator' }),
      200,
    );
    const token = await timed(
      'token create',
      () => admin.post('/api/v1/tokens', { name: 'ci', scopes: ['read'] }),
      201,
    );
    await timed('token use', () => admin.withBearer(token.token).get('/api/v1/sites'), 200);
    await timed('token revoke', () => admin.delete(`/api/v1/tokens/${token.id}`), 204);
    await timed('user delete', () => admin.delete(`/api/v1/users/${user.id}`), 204);
    await timed('audit', () => admin.get('/api/v1/audit?limit=5'), 200);
    created.revision = (await admin.get('/api/v1/revision')).body.revision;
  });

  it('shuts down gracefully and keeps its sealing key private', async () => {
    const key = join(dataDir, 'secret.key');
    expect((await stat(key)).mode & 0o777).toBe(0o600);
    const started = Date.now();
    await app!.stop();
    expect(Date.now() - started).toBeLessThan(9_000); // well inside the grace period: no SIGKILL
    expect(app!.stderr).not.toMatch(/Error/);
  });

  it('restarts on the same data: nothing printed again, every record and the key still there', async () => {
    const key = await readFile(join(dataDir, 'secret.key'), 'utf8');
    app = await TestApp.start({ dataDir, env: FIRST_START });
    expect(app.stdout).not.toMatch(BANNER);
    expect(app.stdout).not.toContain('Admin e-mail');
    expect(await readFile(join(dataDir, 'secret.key'), 'utf8')).toBe(key);
    // The migration is not applied a second time.
    const migrationLog = app.stdout.split('\n').find((l) => l.includes('"msg":"migrations"'));
    expect(JSON.parse(migrationLog!)).toMatchObject({ applied: [] });

    const admin = await app.client().login('admin@portico.local', password);
    expect((await admin.get(`/api/v1/sites/${created.site.id}`)).body).toMatchObject({
      name: created.site.name,
      agents: [created.agent.name],
    });
    expect((await admin.get(`/api/v1/agents/${created.agent.id}`)).body).toMatchObject({
      hasPrivateKey: true,
      sshPublicKey: created.agent.sshPublicKey,
    });
    expect((await admin.get('/api/v1/revision')).body.revision).toBe(created.revision);
    expect((await admin.get('/api/v1/upstreams')).body.total).toBe(7);
    expect((await app.client().get('/healthz')).body).toMatchObject({ status: 'ok', embedded: true });
  });
});
