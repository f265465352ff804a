import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import type { ApiClient, ApiResponse } from '../support/api-client.js';
import { agentDoc, serviceDoc, siteDoc, uniqueName, upstreamDoc } from '../support/factories.js';
import { TestApp } from '../support/test-app.js';
import { TestDatabase } from '../support/test-database.js';

// Optimistic concurrency: ETag / If-Match (or the body's `version`) make a stale write a 409,
// and truly concurrent writers against real Postgres never lose an update or see a 500.

let db: TestDatabase;
let app: TestApp;
let admin: ApiClient;

beforeAll(async () => {
  db = await TestDatabase.create('concurrency');
  app = await TestApp.start({ databaseUrl: db.url });
  admin = await app.admin();
});

afterAll(async () => {
  await app?.stop();
  await db?.drop();
});

const statuses = (responses: ApiResponse[]) => responses.map((r) => r.status).sort();
const auditCount = async (targetId: string, action: string) =>
  (await admin.get(`/api/v1/audit?targetId=${targetId}&action=${action}`)).body.total as number;

/** Each versioned resource: how to make a valid document, and a change to apply. */
const KINDS = [
  [
    'sites',
    async () => siteDoc((await admin.post('/api/v1/upstreams', upstreamDoc())).body.name),
    { hsts: true },
  ],
  ['upstreams', async () => upstreamDoc(), { keepalive: 4 }],
  ['agents', async () => agentDoc(), { sshPort: 2200 }],
  ['services', async () => serviceDoc(), { description: 'changed' }],
] as const;

describe('concurrent writers on a fresh database', () => {
  // First: nothing has bumped the fleet revision yet, so every writer races to create its row.
  it('creates many resources at once, each exactly once, with one revision per change', async () => {
    const docs = Array.from({ length: 12 }, () => upstreamDoc());
    const results = await Promise.all(docs.map((d) => admin.post('/api/v1/upstreams', d)));
    expect(statuses(results)).toEqual(Array(12).fill(201));
    expect((await admin.get('/api/v1/revision')).body.revision).toBe(12);
    expect((await admin.get('/api/v1/upstreams?limit=500')).body.total).toBe(12);
  });
});

describe('stale writes', () => {
  it.each(KINDS)('%s: If-Match and version guard updates and deletes', async (resource, make, change) => {
    const created = (await admin.post(`/api/v1/${resource}`, await make())).body;
    const url = `/api/v1/${resource}/${created.id}`;
    const etag = (await admin.get(url)).headers.get('etag')!;
    expect(etag).toBe('"1"');

    const first = await admin.patch(url, change, { 'if-match': etag });
    expect(first.status).toBe(200);
    expect(first.body.version).toBe(2);

    const stale = await admin.patch(url, change, { 'if-match': etag });
    expect(stale.status).toBe(409);
    expect(stale.body).toMatchObject({ code: 'VERSION_CONFLICT', details: { expected: 1, actual: 2 } });
    const staleBody = await admin.patch(url, { ...change, version: 1 });
    expect(staleBody.status).toBe(409);
    expect(staleBody.body.code).toBe('VERSION_CONFLICT');
    const weak = await admin.patch(url, change, { 'if-match': 'W/"2"' });
    expect(weak.status).toBe(200);
    const star = await admin.patch(url, change, { 'if-match': '*' });
    expect(star.status).toBe(200);
    const current = await admin.get(url);
    expect(current.headers.get('etag')).toBe('"4"');

    const disagree = await admin.patch(url, { ...change, version: 3 }, { 'if-match': '"4"' });
    expect(disagree.status).toBe(400);
    expect(disagree.body.details).toEqual([
      { field: 'version', message: 'disagrees with the If-Match header' },
    ]);
    for (const bad of ['4', '"four"', '"4", "5"', 'W/4']) {
      const res = await admin.patch(url, change, { 'if-match': bad });
      expect({ bad, status: res.status }).toEqual({ bad, status: 400 });
      expect(res.body.details[0].field).toBe('If-Match');
    }

    const staleDelete = await admin.delete(url, { 'if-match': etag });
    expect(staleDelete.status).toBe(409);
    expect((await admin.get(url)).status).toBe(200);
    // Rejected writes leave no trace: three updates succeeded, nothing else was audited.
    expect(await auditCount(created.id, `${resource.slice(0, -1)}.update`)).toBe(3);
    expect(await auditCount(created.id, `${resource.slice(0, -1)}.delete`)).toBe(0);

    expect((await admin.delete(url, { 'if-match': '"4"' })).status).toBe(204);
    expect(await auditCount(created.id, `${resource.slice(0, -1)}.delete`)).toBe(1);
  });
});

describe('racing writers', () => {
  it('lets exactly one of many writers holding the same ETag win', async () => {
    const up = (await admin.post('/api/v1/upstreams', upstreamDoc())).body;
    const results = await Promise.all(
      Array.from({ length: 8 }, (_, i) =>
        admin.patch(`/api/v1/upstreams/${up.id}`, { keepalive: i + 1 }, { 'if-match': '"1"' }),
      ),
    );
    expect(statuses(results)).toEqual([200, ...Array(7).fill(409)]);
    const winner = results.find((r) => r.status === 200)!;
    const now = (await admin.get(`/api/v1/upstreams/${up.id}`)).body;
    expect(now).toMatchObject({ version: 2, keepalive: winner.body.keepalive });
    expect(await auditCount(up.id, 'upstream.update')).toBe(1);
  });

  it.each(KINDS)(
    '%s: applies every blind write (no If-Match) without losing one',
    async (resource, make, change) => {
      const created = (await admin.post(`/api/v1/${resource}`, await make())).body;
      const url = `/api/v1/${resource}/${created.id}`;
      const results = await Promise.all(Array.from({ length: 8 }, () => admin.patch(url, change)));
      expect(statuses(results)).toEqual(Array(8).fill(200));
      // Each write saw the one before it: versions 2..9, each exactly once.
      expect(results.map((r) => r.body.version).sort((a, b) => a - b)).toEqual([2, 3, 4, 5, 6, 7, 8, 9]);
      expect((await admin.get(url)).body.version).toBe(9);
      expect(await auditCount(created.id, `${resource.slice(0, -1)}.update`)).toBe(8);
    },
  );

  it('gives one of many creators of the same name the resource and the others a 409', async () => {
    const name = uniqueName('same');
    const results = await Promise.all(
      Array.from({ length: 6 }, () => admin.post('/api/v1/upstreams', upstreamDoc({ name }))),
    );
    expect(statuses(results)).toEqual([201, ...Array(5).fill(409)]);
    for (const r of results.filter((x) => x.status === 409)) expect(r.body.code).toBe('NAME_TAKEN');
  });

  it('gives one of many sites claiming the same hostname the hostname and the others a 409', async () => {
    const up = (await admin.post('/api/v1/upstreams', upstreamDoc())).body.name;
    const hostname = `${uniqueName('contested')}.example.test`;
    const results = await Promise.all(
      Array.from({ length: 6 }, () => admin.post('/api/v1/sites', siteDoc(up, { hostnames: [hostname] }))),
    );
    expect(statuses(results)).toEqual([201, ...Array(5).fill(409)]);
    for (const r of results.filter((x) => x.status === 409)) expect(r.body.code).toBe('HOSTNAME_TAKEN');
    expect((await admin.get(`/api/v1/sites?hostname=${hostname}`)).body.total).toBe(1);
  });

  it('never deletes an upstream that a site being created at the same moment routes to', async () => {
    for (let round = 0; round < 5; round++) {
      const up = (await admin.post('/api/v1/upstreams', upstreamDoc())).body;
      const [site, del] = await Promise.all([
        admin.post('/api/v1/sites', siteDoc(up.name)),
        admin.delete(`/api/v1/upstreams/${up.id}`),
      ]);
      // Either the site won (the delete is refused as in use) or the delete won (the site's
      // reference is unknown); never both, never a 500.
      const outcome = `${site.status}/${del.status}`;
      expect(['201/409', '400/204']).toContain(outcome);
      if (del.status === 409) expect(del.body.code).toBe('IN_USE');
    }
  });
});
