import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import type { ApiClient } from '../support/api-client.js';
import { siteDoc, uniqueName, upstreamDoc } from '../support/factories.js';
import { TestApp } from '../support/test-app.js';
import { TestDatabase } from '../support/test-database.js';

let db: TestDatabase;
let app: TestApp;
let admin: ApiClient;

const MISSING = '00000000-0000-4000-8000-000000000000';

beforeAll(async () => {
  db = await TestDatabase.create('crud_upstreams');
  app = await TestApp.start({ databaseUrl: db.url });
  admin = await app.admin();
});

afterAll(async () => {
  await app?.stop();
  await db?.drop();
});

describe('upstreams CRUD', () => {
  it('creates an upstream with defaults filled into every target', async () => {
    const doc = upstreamDoc({
      targets: [
        { host: '10.0.0.1', port: 8080 },
        { host: 'App-2.Internal.TEST', port: 8081, weight: 5 },
        { host: '::1', port: 11434 },
      ],
    });
    const res = await admin.post('/api/v1/upstreams', doc);
    expect(res.status).toBe(201);
    expect(res.body).toMatchObject({
      name: doc.name,
      kind: 'generic',
      policy: 'round_robin',
      keepalive: 16,
      labels: {},
      version: 1,
      targets: [
        { scheme: 'http', host: '10.0.0.1', port: 8080, weight: 1 },
        { scheme: 'http', host: 'app-2.internal.test', port: 8081, weight: 5 },
        { scheme: 'http', host: '::1', port: 11434, weight: 1 },
      ],
    });
    const got = await admin.get(`/api/v1/upstreams/${res.body.id}`);
    expect(got.status).toBe(200);
    expect(got.headers.get('etag')).toBe('"1"');
    expect(got.body).toEqual(res.body);
  });

  it('lists with pagination and label filters', async () => {
    const tier = uniqueName('t');
    const names = [];
    for (let i = 0; i < 3; i++) {
      const doc = upstreamDoc({ name: `${tier}-${i}`, labels: { tier, idx: String(i) } });
      expect((await admin.post('/api/v1/upstreams', doc)).status).toBe(201);
      names.push(doc.name);
    }
    const page = await admin.get(`/api/v1/upstreams?label=tier=${tier}&limit=2&offset=1`);
    expect(page.status).toBe(200);
    expect(page.body).toMatchObject({ total: 3, limit: 2, offset: 1 });
    expect(page.body.items.map((u: { name: string }) => u.name)).toEqual(names.slice(1));
    const one = await admin.get(`/api/v1/upstreams?label=tier=${tier},idx=2`);
    expect(one.body.items.map((u: { name: string }) => u.name)).toEqual([names[2]]);
    const byName = await admin.get(`/api/v1/upstreams?q=${tier}-1`);
    expect(byName.body.items.map((u: { name: string }) => u.name)).toEqual([names[1]]);
  });

  it('updates fields, bumps the version, and replaces targets whole', async () => {
    const up = (await admin.post('/api/v1/upstreams', upstreamDoc())).body;
    const res = await admin.patch(`/api/v1/upstreams/${up.id}`, {
      policy: 'least_conn',
      keepalive: 0,
      targets: [{ scheme: 'https', host: 'secure.internal.test', port: 443 }],
    });
    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({
      version: 2,
      policy: 'least_conn',
      keepalive: 0,
      name: up.name,
      targets: [{ scheme: 'https', host: 'secure.internal.test', port: 443, weight: 1 }],
    });
    expect((await admin.get(`/api/v1/upstreams/${up.id}`)).body).toEqual(res.body);
  });

  it('answers 409 for a duplicate name, on create and on rename', async () => {
    const a = (await admin.post('/api/v1/upstreams', upstreamDoc())).body;
    const b = (await admin.post('/api/v1/upstreams', upstreamDoc())).body;
    const dup = await admin.post('/api/v1/upstreams', upstreamDoc({ name: a.name }));
    expect(dup.status).toBe(409);
    expect(dup.body).toMatchObject({
      code: 'NAME_TAKEN',
      details: [{ field: 'name', message: 'is already used' }],
    });
    const rename = await admin.patch(`/api/v1/upstreams/${b.id}`, { name: a.name });
    expect(rename.status).toBe(409);
    expect((await admin.get(`/api/v1/upstreams/${b.id}`)).body.name).toBe(b.name);
  });

  it('refuses to delete an upstream that sites route to, then deletes it once they are gone', async () => {
    const up = (await admin.post('/api/v1/upstreams', upstreamDoc())).body;
    const site = (await admin.post('/api/v1/sites', siteDoc(up.name))).body;
    const inUse = await admin.delete(`/api/v1/upstreams/${up.id}`);
    expect(inUse.status).toBe(409);
    expect(inUse.body).toMatchObject({ code: 'IN_USE', details: { sites: [site.name] } });
    expect((await admin.get(`/api/v1/upstreams/${up.id}`)).status).toBe(200);

    expect((await admin.delete(`/api/v1/sites/${site.id}`)).status).toBe(204);
    expect((await admin.delete(`/api/v1/upstreams/${up.id}`)).status).toBe(204);
    expect((await admin.get(`/api/v1/upstreams/${up.id}`)).status).toBe(404);
  });

  it('follows a rename in the sites that route to it', async () => {
    const up = (await admin.post('/api/v1/upstreams', upstreamDoc())).body;
    const site = (await admin.post('/api/v1/sites', siteDoc(up.name))).body;
    const renamed = uniqueName('renamed');
    expect((await admin.patch(`/api/v1/upstreams/${up.id}`, { name: renamed })).status).toBe(200);
    const got = await admin.get(`/api/v1/sites/${site.id}`);
    expect(got.body.routes[0]).toMatchObject({ upstream: renamed, upstreamId: up.id });
  });

  it('answers 404 for missing ids', async () => {
    expect((await admin.get(`/api/v1/upstreams/${MISSING}`)).status).toBe(404);
    expect((await admin.patch(`/api/v1/upstreams/${MISSING}`, { keepalive: 1 })).status).toBe(404);
    const del = await admin.delete(`/api/v1/upstreams/${MISSING}`);
    expect(del.status).toBe(404);
    expect(del.body).toEqual({
      statusCode: 404,
      code: 'NOT_FOUND',
      message: `Upstream ${MISSING} does not exist`,
    });
  });
});
