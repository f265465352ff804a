import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import type { ApiClient } from '../support/api-client.js';
import { agentDoc, siteDoc, uniqueName, upstreamDoc } from '../support/factories.js';
import { TestApp } from '../support/test-app.js';
import { TestDatabase } from '../support/test-database.js';

let db: TestDatabase;
let app: TestApp;
let admin: ApiClient;
let upstream: string;

const MISSING = '00000000-0000-4000-8000-000000000000';

beforeAll(async () => {
  db = await TestDatabase.create('crud_sites');
  app = await TestApp.start({ databaseUrl: db.url });
  admin = await app.admin();
  upstream = (await admin.post('/api/v1/upstreams', upstreamDoc())).body.name;
});

afterAll(async () => {
  await app?.stop();
  await db?.drop();
});

const revision = async () => (await admin.get('/api/v1/revision')).body.revision as number;

describe('sites CRUD', () => {
  it('creates a site with defaults, normalized hostnames and routes by upstream name', async () => {
    const before = await revision();
    const doc = siteDoc(upstream, { hostnames: ['WWW.Example-Create.TEST', '*.example-create.test'] });
    const res = await admin.post('/api/v1/sites', doc);
    expect(res.status).toBe(201);
    expect(res.body).toMatchObject({
      name: doc.name,
      hostnames: ['www.example-create.test', '*.example-create.test'],
      tlsMode: 'off',
      certificateId: null,
      httpsRedirect: true,
      hsts: false,
      websocket: true,
      readTimeoutSec: 3600,
      sendTimeoutSec: 3600,
      maxBodyMb: 100,
      responseHeaders: [],
      upstreamHeaders: [],
      labels: {},
      agents: [],
      version: 1,
      routes: [{ pathPrefix: '/', upstream, streaming: false }],
    });
    expect(await revision()).toBe(before + 1);

    const got = await admin.get(`/api/v1/sites/${res.body.id}`);
    expect(got.status).toBe(200);
    expect(got.headers.get('etag')).toBe('"1"');
    expect(got.body).toEqual(res.body);
  });

  it('keeps every field it was given, in order', async () => {
    const agent = (await admin.post('/api/v1/agents', agentDoc())).body.name as string;
    const other = (await admin.post('/api/v1/upstreams', upstreamDoc())).body.name as string;
    const doc = siteDoc(upstream, {
      hostnames: ['b.keep.test', 'a.keep.test'],
      tlsMode: 'acme',
      httpsRedirect: false,
      hsts: true,
      websocket: false,
      readTimeoutSec: 30,
      sendTimeoutSec: 60,
      maxBodyMb: 0,
      responseHeaders: [{ name: 'X-Frame-Options', value: 'DENY' }],
      upstreamHeaders: [{ name: 'X-Portico', value: 'yes please' }],
      routes: [
        { pathPrefix: '/api/', upstream: other, streaming: true },
        { pathPrefix: '/', upstream },
      ],
      agents: [agent],
      labels: { env: 'prod', 'team/name': 'edge' },
    });
    const res = await admin.post('/api/v1/sites', doc);
    expect(res.status).toBe(201);
    const { routes, ...rest } = doc;
    expect(res.body).toMatchObject(rest);
    expect(res.body.routes).toMatchObject([
      { pathPrefix: '/api/', upstream: other, streaming: true },
      { pathPrefix: '/', upstream, streaming: false },
    ]);
    expect(routes).toHaveLength(2);
  });

  it('lists with pagination, label, hostname and name filters', async () => {
    const group = uniqueName('g');
    const names: string[] = [];
    for (let i = 0; i < 5; i++) {
      const doc = siteDoc(upstream, {
        name: `${group}-${i}`,
        labels: { group, parity: i % 2 ? 'odd' : 'even' },
      });
      expect((await admin.post('/api/v1/sites', doc)).status).toBe(201);
      names.push(doc.name);
    }
    const page1 = await admin.get(`/api/v1/sites?label=group=${group}&limit=2&offset=0`);
    expect(page1.status).toBe(200);
    expect(page1.body).toMatchObject({ total: 5, limit: 2, offset: 0 });
    expect(page1.body.items.map((s: { name: string }) => s.name)).toEqual(names.slice(0, 2));
    const page3 = await admin.get(`/api/v1/sites?label=group=${group}&limit=2&offset=4`);
    expect(page3.body.items.map((s: { name: string }) => s.name)).toEqual(names.slice(4));
    const beyond = await admin.get(`/api/v1/sites?label=group=${group}&offset=10`);
    expect(beyond.body).toMatchObject({ items: [], total: 5 });

    const odd = await admin.get(`/api/v1/sites?label=group=${group},parity=odd`);
    expect(odd.body.items.map((s: { name: string }) => s.name)).toEqual([names[1], names[3]]);
    expect(odd.body.total).toBe(2);

    const byHost = await admin.get(`/api/v1/sites?hostname=${names[2]!.toUpperCase()}.EXAMPLE.TEST`);
    expect(byHost.body.items.map((s: { name: string }) => s.name)).toEqual([names[2]]);

    const byName = await admin.get(`/api/v1/sites?q=${group}`);
    expect(byName.body.total).toBe(5);

    const defaults = await admin.get('/api/v1/sites');
    expect(defaults.body).toMatchObject({ limit: 50, offset: 0 });
  });

  it('rejects bad paging and filter parameters', async () => {
    for (const query of [
      'limit=0',
      'limit=501',
      'offset=-1',
      'limit=abc',
      'label=nokey',
      'hostname=a;b',
      'sort=name',
    ]) {
      const res = await admin.get(`/api/v1/sites?${query}`);
      expect({ query, status: res.status }).toEqual({ query, status: 400 });
      expect(res.body.details.length).toBeGreaterThan(0);
    }
  });

  it('updates fields and replaces child collections whole', async () => {
    const created = (await admin.post('/api/v1/sites', siteDoc(upstream))).body;
    const before = await revision();
    const res = await admin.patch(`/api/v1/sites/${created.id}`, {
      hostnames: ['new-name.update.test'],
      routes: [{ pathPrefix: '/v2/', upstream, streaming: true }],
      hsts: true,
    });
    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({
      version: 2,
      hsts: true,
      hostnames: ['new-name.update.test'],
      routes: [{ pathPrefix: '/v2/', upstream, streaming: true }],
      readTimeoutSec: 3600,
    });
    expect(await revision()).toBe(before + 1);
    const got = await admin.get(`/api/v1/sites/${created.id}`);
    expect(got.headers.get('etag')).toBe('"2"');
    expect(got.body).toEqual(res.body);
    // The old hostname is free again.
    const reuse = await admin.post('/api/v1/sites', siteDoc(upstream, { hostnames: created.hostnames }));
    expect(reuse.status).toBe(201);
  });

  it('answers 409 for a duplicate name and for a hostname another site serves', async () => {
    const a = (await admin.post('/api/v1/sites', siteDoc(upstream))).body;
    const dupName = await admin.post('/api/v1/sites', siteDoc(upstream, { name: a.name }));
    expect(dupName.status).toBe(409);
    expect(dupName.body).toMatchObject({ code: 'NAME_TAKEN', details: [{ field: 'name' }] });

    const dupHost = await admin.post(
      '/api/v1/sites',
      siteDoc(upstream, { hostnames: ['fresh.dup.test', a.hostnames[0].toUpperCase()] }),
    );
    expect(dupHost.status).toBe(409);
    expect(dupHost.body).toMatchObject({
      code: 'HOSTNAME_TAKEN',
      details: { hostnames: [{ hostname: a.hostnames[0], site: a.name }] },
    });
    // Nothing of the rejected site was kept, not even its other hostname.
    expect((await admin.get('/api/v1/sites?hostname=fresh.dup.test')).body.total).toBe(0);

    const b = (await admin.post('/api/v1/sites', siteDoc(upstream))).body;
    const steal = await admin.patch(`/api/v1/sites/${b.id}`, { hostnames: a.hostnames });
    expect(steal.status).toBe(409);
    expect(steal.body.code).toBe('HOSTNAME_TAKEN');
    const rename = await admin.patch(`/api/v1/sites/${b.id}`, { name: a.name });
    expect(rename.status).toBe(409);
    expect(rename.body.code).toBe('NAME_TAKEN');
    // A site may keep its own hostnames and name.
    const same = await admin.patch(`/api/v1/sites/${b.id}`, { name: b.name, hostnames: b.hostnames });
    expect(same.status).toBe(200);
    // A wildcard and a name under it are different hostnames.
    const wild = await admin.post('/api/v1/sites', siteDoc(upstream, { hostnames: [`*.${a.hostnames[0]}`] }));
    expect(wild.status).toBe(201);
  });

  it('reports every unknown reference at once', async () => {
    const res = await admin.post(
      '/api/v1/sites',
      siteDoc(upstream, {
        routes: [
          { pathPrefix: '/', upstream },
          { pathPrefix: '/x/', upstream: 'no-such-upstream' },
        ],
        agents: ['no-such-agent'],
      }),
    );
    expect(res.status).toBe(400);
    expect(res.body.code).toBe('VALIDATION_FAILED');
    expect(res.body.details).toEqual([
      { field: 'routes.1.upstream', message: 'no upstream named no-such-upstream' },
      { field: 'agents.0', message: 'no agent named no-such-agent' },
    ]);
  });

  it('requires a certificate that exists when tlsMode is uploaded', async () => {
    const none = await admin.post('/api/v1/sites', siteDoc(upstream, { tlsMode: 'uploaded' }));
    expect(none.status).toBe(400);
    expect(none.body.details).toEqual([
      { field: 'certificateId', message: 'is required when tlsMode is uploaded' },
    ]);
    const unknown = await admin.post(
      '/api/v1/sites',
      siteDoc(upstream, { tlsMode: 'uploaded', certificateId: MISSING }),
    );
    expect(unknown.status).toBe(400);
    expect(unknown.body.details[0].field).toBe('certificateId');
  });

  it('deletes a site with its hostnames, routes and placements', async () => {
    const agent = (await admin.post('/api/v1/agents', agentDoc())).body;
    const site = (await admin.post('/api/v1/sites', siteDoc(upstream, { agents: [agent.name] }))).body;
    const before = await revision();
    const res = await admin.delete(`/api/v1/sites/${site.id}`);
    expect(res.status).toBe(204);
    expect(res.text).toBe('');
    expect(await revision()).toBe(before + 1);
    expect((await admin.get(`/api/v1/sites/${site.id}`)).status).toBe(404);
    const rows = await db.query(
      `SELECT (SELECT count(*) FROM "SiteHostname" WHERE "siteId" = $1)::int AS h,
              (SELECT count(*) FROM "Route" WHERE "siteId" = $1)::int AS r,
              (SELECT count(*) FROM "SitePlacement" WHERE "siteId" = $1)::int AS p`,
      [site.id],
    );
    expect(rows[0]).toEqual({ h: 0, r: 0, p: 0 });
    // The agent itself stays.
    expect((await admin.get(`/api/v1/agents/${agent.id}`)).status).toBe(200);
  });

  it('answers 404 for ids that do not exist and 400 for ids that are not UUIDs', async () => {
    for (const [method, body] of [
      ['GET', undefined],
      ['PATCH', { hsts: true }],
      ['DELETE', undefined],
    ] as const) {
      const missing = await admin.request(method, `/api/v1/sites/${MISSING}`, { body });
      expect({ method, status: missing.status, code: missing.body.code }).toEqual({
        method,
        status: 404,
        code: 'NOT_FOUND',
      });
      const bad = await admin.request(method, '/api/v1/sites/1%20OR%201=1', { body });
      expect(bad.status).toBe(400);
      expect(bad.body.details).toEqual([{ field: 'id', message: 'must be a UUID' }]);
    }
  });
});
