import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { createTestPki } from '../fixtures/tls.js';
import type { ApiClient } from '../support/api-client.js';
import { agentDoc, siteDoc, uniqueName, upstreamDoc } from '../support/factories.js';
import { createToken, createUser } from '../support/role-clients.js';
import { TestApp } from '../support/test-app.js';
import { TestDatabase } from '../support/test-database.js';

// Previews of unsaved drafts: the body of a create, rendered against the stored state through
// the deploy's renderer. A viewer may ask (it is a read), the same 400s as a save come back
// under the same fields, a draft that cannot render answers 422, and nothing is ever stored.

describe('draft previews over the API', () => {
  let db: TestDatabase;
  let app: TestApp;
  let admin: ApiClient;
  let viewer: ApiClient;
  let work: string;
  let upstream: string;

  const counts = async () => ({
    revision: (await admin.get('/api/v1/revision')).body.revision,
    sites: (await admin.get('/api/v1/sites')).body.total,
    services: (await admin.get('/api/v1/services')).body.total,
    audit: (await admin.get('/api/v1/audit')).body.total,
  });

  beforeAll(async () => {
    db = await TestDatabase.create('draft_preview');
    app = await TestApp.start({ databaseUrl: db.url });
    admin = await app.admin();
    const user = await createUser(admin, 'viewer');
    viewer = await admin.login(user.email, user.password);
    upstream = (await admin.post('/api/v1/upstreams', upstreamDoc())).body.name;
    work = mkdtempSync(join(tmpdir(), 'portico-draft-'));
  });

  afterAll(async () => {
    await app?.stop();
    await db?.drop();
    rmSync(work, { recursive: true, force: true });
  });

  it('renders a site draft for either flavor, for a viewer or a read-only token, storing nothing', async () => {
    const { client: readToken } = await createToken(admin, ['read']);
    const before = await counts();
    const draft = siteDoc(upstream, {
      hostnames: ['draft.example.test', 'www.draft.example.test'],
      routes: [
        { pathPrefix: '/', upstream },
        { pathPrefix: '/api/chat', upstream, streaming: true },
      ],
    });
    const nginx = await viewer.post('/api/v1/sites/render-preview', draft);
    expect(nginx.status).toBe(200);
    expect(nginx.body).toMatchObject({ flavor: 'nginx', revision: before.revision, warnings: [] });
    const config = nginx.body.files.map((f: { content: string }) => f.content).join('\n');
    expect(config).toContain('server_name draft.example.test www.draft.example.test;');
    expect(config).toContain('proxy_buffering off');
    expect(nginx.body.files.map((f: { path: string }) => f.path)).toContain(`nginx/sites/${draft.name}.conf`);

    const apache = await readToken.post('/api/v1/sites/render-preview?flavor=apache', draft);
    expect(apache.status).toBe(200);
    expect(apache.body.files[0].content).toContain('ServerAlias www.draft.example.test');

    expect(await counts()).toEqual(before);
    expect((await app.client().post('/api/v1/sites/render-preview', draft)).status).toBe(401);
    expect((await viewer.post('/api/v1/sites', draft)).status).toBe(403);
  });

  it('answers 400 with the field errors a save would give, schema and references alike', async () => {
    const bad = await admin.post('/api/v1/sites/render-preview', {
      ...siteDoc(upstream),
      hostnames: ['ok.example.test', 'bad_host!'],
      surprise: 1,
    });
    expect(bad.status).toBe(400);
    expect(bad.body.code).toBe('VALIDATION_FAILED');
    expect(bad.body.details).toEqual(
      expect.arrayContaining([
        { field: 'hostnames.1', message: expect.stringMatching(/RFC 1123/) },
        { field: 'surprise', message: 'is not a known field' },
      ]),
    );

    const unknown = await admin.post(
      '/api/v1/sites/render-preview',
      siteDoc(upstream, { routes: [{ pathPrefix: '/', upstream: 'no-such-upstream' }], agents: ['ghost'] }),
    );
    expect(unknown.status).toBe(400);
    expect(unknown.body.details).toEqual([
      { field: 'routes.0.upstream', message: 'no upstream named no-such-upstream' },
      { field: 'agents.0', message: 'no agent named ghost' },
    ]);
    const saved = await admin.post(
      '/api/v1/sites',
      siteDoc(upstream, { routes: [{ pathPrefix: '/', upstream: 'no-such-upstream' }], agents: ['ghost'] }),
    );
    expect(saved.body.details).toEqual(unknown.body.details);

    const noCert = await admin.post(
      '/api/v1/sites/render-preview',
      siteDoc(upstream, { tlsMode: 'uploaded' }),
    );
    expect(noCert.body.details).toEqual([
      { field: 'certificateId', message: 'is required when tlsMode is uploaded' },
    ]);
  });

  it('answers a draft that breaks a rule as saving it would: 422 with the field and the reason', async () => {
    const res = await admin.post(
      '/api/v1/sites/render-preview',
      siteDoc(upstream, { routes: [{ pathPrefix: '/.well-known/acme-challenge/x', upstream }] }),
    );
    expect(res.status).toBe(422);
    // What saving it would answer (test/api/doors): the code, the field and the rule.
    expect(res.body).toMatchObject({
      code: 'INVARIANT_VIOLATED',
      details: [{ field: 'routes', reason: 'ROUTE_RESERVED_PATH' }],
    });
  });

  it('serves a freshly uploaded certificate in the draft, never its key', async () => {
    const hostname = 'tls-draft.example.test';
    const pki = createTestPki(join(work, 'pki'), [hostname]);
    const cert = await admin.post('/api/v1/certificates', {
      chainPem: pki.chainPem,
      keyPem: pki.keyPem,
      caPem: pki.caPem,
    });
    expect(cert.status).toBe(201);
    const res = await viewer.post(
      '/api/v1/sites/render-preview',
      siteDoc(upstream, {
        hostnames: [hostname],
        tlsMode: 'uploaded',
        certificateId: cert.body.id,
        hsts: true,
      }),
    );
    expect(res.status).toBe(200);
    const config = res.body.files.map((f: { content: string }) => f.content).join('\n');
    expect(config).toMatch(/listen [^;]*443 ssl/);
    expect(config).toContain(`certs/${cert.body.id}/fullchain.pem`);
    expect(config).toContain('Strict-Transport-Security');
    expect(res.text).not.toContain('PRIVATE KEY');
    const keyBody = pki.keyPem.split('\n')[1]!;
    expect(res.text).not.toContain(keyBody);
  });

  it("warns about hostnames other sites serve, but not about the edited site's own", async () => {
    const site = await admin.post('/api/v1/sites', siteDoc(upstream));
    expect(site.status).toBe(201);
    const draft = siteDoc(upstream, { name: site.body.name, hostnames: site.body.hostnames });
    const asNew = await admin.post('/api/v1/sites/render-preview', { ...draft, name: uniqueName('copy') });
    expect(asNew.body.warnings).toEqual([
      { field: 'hostnames.0', message: `already served by site ${site.body.name}` },
    ]);
    const asEdit = await admin.post(`/api/v1/sites/render-preview?siteId=${site.body.id}`, {
      ...draft,
      hsts: true,
    });
    expect(asEdit.status).toBe(200);
    expect(asEdit.body.warnings).toEqual([]);
    expect((await admin.post('/api/v1/sites/render-preview?siteId=nope', draft)).status).toBe(400);
  });

  it('renders the systemd unit of a service draft (presets included) and of a saved service', async () => {
    const before = await counts();
    const agent = await admin.post('/api/v1/agents', agentDoc());
    const ollama = await viewer.post('/api/v1/services/render-preview', {
      name: 'ollama-draft',
      kind: 'ollama',
      options: { listen: '127.0.0.1:11434' },
      agents: [agent.body.name],
    });
    expect(ollama.status).toBe(200);
    expect(ollama.body.file.path).toBe('systemd/ollama-draft.service');
    expect(ollama.body.file.content).toContain('ExecStart=/usr/local/bin/ollama serve');
    expect(ollama.body.file.content).toContain('Environment="OLLAMA_HOST=127.0.0.1:11434"');

    const webui = await viewer.post('/api/v1/services/render-preview', {
      name: 'webui-draft',
      kind: 'openwebui',
      image: 'ghcr.io/open-webui/open-webui:v0.6.5',
    });
    expect(webui.status).toBe(200);
    expect(webui.body.file.content).toMatch(/docker run .*ghcr\.io\/open-webui\/open-webui:v0\.6\.5/s);

    const generic = await viewer.post('/api/v1/services/render-preview', { name: 'no-command' });
    expect(generic.status).toBe(400);
    expect(generic.body.details).toEqual([
      { field: 'execStart', message: 'is required for a generic service' },
    ]);
    const missing = await viewer.post('/api/v1/services/render-preview', {
      name: 'x',
      kind: 'openwebui',
      options: { upstream: 'no-such-upstream' },
    });
    expect(missing.status).toBe(422);
    expect(missing.body).toMatchObject({
      code: 'INVARIANT_VIOLATED',
      details: [{ field: 'options', reason: 'SERVICE_INVALID' }],
    });
    expect((await counts()).services).toBe(before.services);

    const saved = await admin.post('/api/v1/services', { name: uniqueName('svc'), kind: 'ollama' });
    expect(saved.status).toBe(201);
    const unit = await viewer.get(`/api/v1/services/${saved.body.id}/render`);
    expect(unit.status).toBe(200);
    expect(unit.body).toMatchObject({
      serviceId: saved.body.id,
      file: { path: `systemd/${saved.body.name}.service` },
    });
    expect((await viewer.get('/api/v1/services/00000000-0000-4000-8000-000000000000/render')).status).toBe(
      404,
    );
  });
});
