import { randomUUID } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { NginxInstance } from '../fixtures/nginx-instance.js';
import { writeRenderedTree } from '../fixtures/rendered-tree.js';
import { createTestPki } from '../fixtures/tls.js';
import type { ApiClient } from '../support/api-client.js';
import { agentDoc, siteDoc, upstreamDoc } from '../support/factories.js';
import { createUser } from '../support/role-clients.js';
import { TestApp } from '../support/test-app.js';
import { TestDatabase } from '../support/test-database.js';

// The preview endpoints render the stored desired state through the same code as a deploy:
// what they return must be a config the real nginx accepts, and never contain a private key.

describe('render previews over the API', () => {
  let db: TestDatabase;
  let app: TestApp;
  let admin: ApiClient;
  let work: string;

  beforeAll(async () => {
    db = await TestDatabase.create('render_preview');
    app = await TestApp.start({ databaseUrl: db.url });
    admin = await app.admin();
    work = mkdtempSync(join(tmpdir(), 'portico-preview-'));
  });

  afterAll(async () => {
    await app?.stop();
    await db?.drop();
    rmSync(work, { recursive: true, force: true });
  });

  it("renders an agent's whole tree, which nginx -t accepts", async () => {
    const configRoot = join(work, 'agent-root');
    const agent = await admin.post(
      '/api/v1/agents',
      agentDoc({ configRoot, httpPort: 18_080, listenAddress: '127.0.0.1' }),
    );
    expect(agent.status).toBe(201);
    const upstream = await admin.post(
      '/api/v1/upstreams',
      upstreamDoc({ targets: [{ host: '127.0.0.1', port: 3000 }] }),
    );
    const site = await admin.post(
      '/api/v1/sites',
      siteDoc(upstream.body.name, {
        agents: [agent.body.name],
        routes: [
          { pathPrefix: '/', upstream: upstream.body.name },
          { pathPrefix: '/api/chat', upstream: upstream.body.name, streaming: true },
        ],
      }),
    );
    expect(site.status).toBe(201);

    const preview = await admin.get(`/api/v1/agents/${agent.body.id}/render`);
    expect(preview.status).toBe(200);
    expect(preview.body.hash).toMatch(/^[0-9a-f]{64}$/);
    const siteFile = preview.body.files.find((f: { content: string }) =>
      f.content.includes(site.body.hostnames[0]),
    );
    expect(siteFile?.content).toContain('proxy_buffering off');

    const nginx = new NginxInstance(join(work, 'nginx'), configRoot);
    writeRenderedTree(configRoot, preview.body.files);
    const check = nginx.validate();
    expect(check.problems).toEqual([]);
    expect(check.ok).toBe(true);
  });

  it('previews one site for either flavor, readable by a viewer', async () => {
    const upstream = await admin.post('/api/v1/upstreams', upstreamDoc());
    const site = await admin.post('/api/v1/sites', siteDoc(upstream.body.name));
    const viewerUser = await createUser(admin, 'viewer');
    const viewer = await admin.login(viewerUser.email, viewerUser.password);

    const nginx = await viewer.get(`/api/v1/sites/${site.body.id}/render`);
    expect(nginx.status).toBe(200);
    expect(nginx.body.flavor).toBe('nginx');
    expect(nginx.body.files.map((f: { content: string }) => f.content).join('\n')).toContain('server_name');

    const apache = await viewer.get(`/api/v1/sites/${site.body.id}/render?flavor=apache`);
    expect(apache.status).toBe(200);
    expect(apache.body.files.map((f: { content: string }) => f.content).join('\n')).toContain(
      'ProxyPreserveHost On',
    );

    expect((await viewer.get(`/api/v1/sites/${site.body.id}/render?flavor=caddy`)).status).toBe(400);
    expect((await viewer.get(`/api/v1/sites/${randomUUID()}/render`)).status).toBe(404);
    expect((await viewer.get(`/api/v1/agents/${randomUUID()}/render`)).status).toBe(404);
    expect((await app.client().get(`/api/v1/sites/${site.body.id}/render`)).status).toBe(401);
  });

  it('shows certificate files but never the private key', async () => {
    const hostname = 'secure.example.test';
    const pki = createTestPki(join(work, 'pki'), [hostname]);
    // The key column holds a sealed blob a preview must never try to open.
    const [cert] = await db.query<{ id: string }>(
      `INSERT INTO "Certificate" (id, domains, source, status, "chainPem", "keyEncrypted", "updatedAt")
       VALUES (gen_random_uuid(), $1, 'uploaded', 'valid', $2, 'v1.sealed.key.blob', now()) RETURNING id`,
      [[hostname], pki.chainPem],
    );
    const agent = await admin.post('/api/v1/agents', agentDoc());
    const upstream = await admin.post('/api/v1/upstreams', upstreamDoc());
    const site = await admin.post(
      '/api/v1/sites',
      siteDoc(upstream.body.name, {
        hostnames: [hostname],
        tlsMode: 'uploaded',
        certificateId: cert?.id,
        agents: [agent.body.name],
      }),
    );
    expect(site.status).toBe(201);

    const preview = await admin.get(`/api/v1/agents/${agent.body.id}/render`);
    expect(preview.status).toBe(200);
    const paths: string[] = preview.body.files.map((f: { path: string }) => f.path);
    expect(paths.some((p) => p.endsWith('fullchain.pem'))).toBe(true);
    expect(paths.some((p) => p.endsWith('privkey.pem'))).toBe(false);
    expect(preview.text).not.toContain('PRIVATE KEY');
    expect(preview.text).not.toContain('v1.sealed.key.blob');
  });

  it('serves plain HTTP while an ACME certificate is pending, so it can be issued', async () => {
    const upstream = await admin.post('/api/v1/upstreams', upstreamDoc());
    const site = await admin.post('/api/v1/sites', siteDoc(upstream.body.name, { tlsMode: 'acme' }));
    const preview = await admin.get(`/api/v1/sites/${site.body.id}/render`);
    expect(preview.status).toBe(200);
    const config = preview.body.files.map((f: { content: string }) => f.content).join('\n');
    expect(config).toContain('/nginx/snippets/acme-challenge.conf;');
    expect(config).not.toMatch(/listen [^;]*ssl/);
  });

  it('answers 422 with the reason when the state cannot render', async () => {
    const [cert] = await db.query<{ id: string }>(
      `INSERT INTO "Certificate" (id, domains, source, status, "updatedAt")
       VALUES (gen_random_uuid(), $1, 'uploaded', 'pending', now()) RETURNING id`,
      [['broken.example.test']],
    );
    const upstream = await admin.post('/api/v1/upstreams', upstreamDoc());
    const broken = siteDoc(upstream.body.name, {
      hostnames: ['broken.example.test'],
      tlsMode: 'uploaded',
      certificateId: cert?.id,
    });
    // A save is refused with the same reason the render would give, so the state can only be
    // there from before that rule: write it directly, then ask for the render.
    const refused = await admin.post('/api/v1/sites', broken);
    expect(refused.status).toBe(422);
    expect(refused.body).toMatchObject({
      code: 'INVARIANT_VIOLATED',
      details: [{ field: 'certificateId', reason: 'TLS_CERTIFICATE_MISSING' }],
    });
    const site = await admin.post('/api/v1/sites', { ...broken, tlsMode: 'off', certificateId: null });
    expect(site.status).toBe(201);
    await db.query(`UPDATE "Site" SET "tlsMode" = 'uploaded', "certificateId" = $1 WHERE id = $2`, [
      cert?.id,
      site.body.id,
    ]);
    const preview = await admin.get(`/api/v1/sites/${site.body.id}/render`);
    expect(preview.status).toBe(422);
    expect(preview.body.code).toBe('RENDER_FAILED');
    expect(preview.body.message).toContain(site.body.name);
    expect(preview.body.message).toContain('has no chain yet');
  });
});
