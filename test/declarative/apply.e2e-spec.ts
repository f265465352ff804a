import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { stringify } from 'yaml';
import type { ApiClient } from '../support/api-client.js';
import { loginAsEveryRole, type RoleClients } from '../support/role-clients.js';
import { TestApp } from '../support/test-app.js';
import { TestDatabase } from '../support/test-database.js';
import { fleetDocument } from './fleet-document.js';

let db: TestDatabase;
let app: TestApp;
let admin: ApiClient;
let roles: RoleClients;

beforeAll(async () => {
  db = await TestDatabase.create('declarative_apply');
  app = await TestApp.start({ databaseUrl: db.url });
  admin = await app.admin();
  roles = await loginAsEveryRole(admin);
});

afterAll(async () => {
  await app?.stop();
  await db?.drop();
});

const revision = async () => (await admin.get('/api/v1/revision')).body.revision as number;
const names = async (kind: string) =>
  ((await admin.get(`/api/v1/${kind}?limit=500`)).body.items as { name: string }[]).map((i) => i.name).sort();

/** Every object the test's document owns goes away again, so the next test starts empty. */
async function clear() {
  const res = await admin.post('/api/v1/apply', {
    apiVersion: 'portico/v1',
    agents: [],
    upstreams: [],
    sites: [],
    services: [],
  });
  expect(res.status).toBe(200);
}

describe('declarative apply', () => {
  it('plans the creation of every object and the files of every agent, and a dry run writes nothing', async () => {
    const { doc, names: n } = fleetDocument();
    const before = await revision();
    const res = await admin.post('/api/v1/apply?dryRun=true', doc);
    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({ dryRun: true, applied: false, revision: before });
    expect(res.body.summary).toEqual({ create: 7, update: 0, delete: 0, unchanged: 0 });
    expect(res.body.managed).toEqual(['agents', 'upstreams', 'sites', 'services']);
    const site = res.body.changes.find((c: { name: string }) => c.name === n.shop);
    expect(site).toMatchObject({ action: 'create', kind: 'site' });
    expect(site.fields).toContainEqual({ field: 'tlsMode', after: 'off' });
    const edge = res.body.agents.find((a: { agent: string }) => a.agent === n.edge);
    expect(edge.status).toBe('added');
    expect(edge.files.map((f: { path: string }) => f.path)).toEqual(
      expect.arrayContaining([expect.stringContaining(n.shop), expect.stringContaining(n.blog)]),
    );
    expect(edge.files.every((f: { change: string }) => f.change === 'added')).toBe(true);
    const apache = res.body.agents.find((a: { agent: string }) => a.agent === n.apache);
    expect(apache.files.some((f: { path: string }) => f.path.startsWith('apache'))).toBe(true);

    expect(await revision()).toBe(before);
    expect(await names('sites')).not.toContain(n.shop);
    expect(await names('agents')).not.toContain(n.edge);
  });

  it('applies in one revision, and applying the same document again changes nothing', async () => {
    const { doc, names: n } = fleetDocument();
    const before = await revision();
    const first = await admin.post('/api/v1/apply', doc);
    expect(first.status).toBe(200);
    expect(first.body).toMatchObject({ applied: true, revision: before + 1 });
    expect(await names('sites')).toEqual([n.blog, n.shop].sort());
    const shop = (await admin.get(`/api/v1/sites?q=${n.shop}`)).body.items[0];
    expect(shop).toMatchObject({
      hostnames: [`${n.shop}.example.test`],
      agents: [n.apache, n.edge].sort(),
      routes: [
        { pathPrefix: '/', upstream: n.web, streaming: false },
        { pathPrefix: '/api/', upstream: n.api, streaming: true },
      ],
      labels: { env: 'prod' },
    });
    const svc = (await admin.get(`/api/v1/services?q=${n.worker}`)).body.items[0];
    expect(svc).toMatchObject({ agents: [n.edge], environment: { A: '1' }, restart: 'always' });

    const again = await admin.post('/api/v1/apply', doc);
    expect(again.status).toBe(200);
    expect(again.body).toMatchObject({ applied: false, changes: [], revision: before + 1 });
    expect(again.body.summary).toEqual({ create: 0, update: 0, delete: 0, unchanged: 7 });
    const dry = await admin.post('/api/v1/apply?dryRun=true', doc);
    expect(dry.body.changes).toEqual([]);
    expect(dry.body.agents.every((a: { status: string }) => a.status === 'unchanged')).toBe(true);
    expect(await revision()).toBe(before + 1);

    const audit = await admin.get('/api/v1/audit?limit=20');
    expect(audit.status).toBe(200);
    await clear();
  });

  it('plans field-level updates and deletions, with the files they change', async () => {
    const { doc, names: n } = fleetDocument();
    expect((await admin.post('/api/v1/apply', doc)).status).toBe(200);
    const next = structuredClone(doc);
    next.upstreams[0]!.targets[0]!.port = 9090;
    (next.sites[1] as Record<string, unknown>).hsts = true;
    next.services = [];
    const dry = await admin.post('/api/v1/apply?dryRun=true', next);
    expect(dry.status).toBe(200);
    expect(dry.body.summary).toEqual({ create: 0, update: 2, delete: 1, unchanged: 4 });
    expect(dry.body.changes).toEqual([
      {
        action: 'update',
        kind: 'upstream',
        name: n.api,
        fields: [
          {
            field: 'targets',
            before: [{ scheme: 'http', host: '10.0.0.10', port: 8080, weight: 1 }],
            after: [{ scheme: 'http', host: '10.0.0.10', port: 9090, weight: 1 }],
          },
        ],
      },
      {
        action: 'update',
        kind: 'site',
        name: n.blog,
        fields: [{ field: 'hsts', before: false, after: true }],
      },
      { action: 'delete', kind: 'service', name: n.worker, fields: [] },
    ]);
    const edge = dry.body.agents.find((a: { agent: string }) => a.agent === n.edge);
    expect(edge.status).toBe('changed');
    expect(edge.files.length).toBeGreaterThan(0);
    expect(edge.files.every((f: { change: string }) => ['changed', 'removed'].includes(f.change))).toBe(true);
    expect(
      edge.files.some(
        (f: { path: string; change: string }) => f.change === 'removed' && f.path.includes(n.worker),
      ),
    ).toBe(true);

    const applied = await admin.post('/api/v1/apply', next);
    expect(applied.body.applied).toBe(true);
    expect(await names('services')).not.toContain(n.worker);
    const up = (await admin.get(`/api/v1/upstreams?q=${n.api}`)).body.items[0];
    expect(up.targets[0].port).toBe(9090);
    expect(up.version).toBe(2);
    await clear();
  });

  it('moves a hostname from one site to another and renames nothing else', async () => {
    const { doc, names: n } = fleetDocument();
    expect((await admin.post('/api/v1/apply', doc)).status).toBe(200);
    const next = structuredClone(doc);
    const moved = `www.${n.blog}.example.test`;
    next.sites[1]!.hostnames = [`${n.blog}.example.test`];
    next.sites[0]!.hostnames = [`${n.shop}.example.test`, moved];
    const res = await admin.post('/api/v1/apply', next);
    expect(res.status).toBe(200);
    const shop = (await admin.get(`/api/v1/sites?hostname=${moved}`)).body.items;
    expect(shop.map((s: { name: string }) => s.name)).toEqual([n.shop]);
    await clear();
  });

  it('refuses an invalid document as a whole: nothing changes', async () => {
    const { doc, names: n } = fleetDocument();
    expect((await admin.post('/api/v1/apply', doc)).status).toBe(200);
    const before = await revision();
    const broken = structuredClone(doc);
    broken.upstreams[1]!.targets[0]!.port = 8081; // a valid change that must not land
    broken.sites[1]!.routes[0]!.upstream = 'no-such-upstream';
    const res = await admin.post('/api/v1/apply', broken);
    expect(res.status).toBe(400);
    expect(res.body.code).toBe('VALIDATION_FAILED');
    expect(res.body.details).toContainEqual({
      field: 'sites.0.routes.0.upstream',
      message: 'no upstream named no-such-upstream',
    });
    expect(await revision()).toBe(before);
    const web = (await admin.get(`/api/v1/upstreams?q=${n.web}`)).body.items[0];
    expect(web.targets[0].port).toBe(3000);

    const bad = structuredClone(doc);
    bad.upstreams[0]!.targets[0]!.port = 70000;
    (bad.sites[0] as Record<string, unknown>).colour = 'blue';
    const invalid = await admin.post('/api/v1/apply', bad);
    expect(invalid.status).toBe(400);
    expect(invalid.body.details.map((d: { field: string }) => d.field)).toEqual(
      expect.arrayContaining(['upstreams.0.targets.0.port', 'sites.0.colour']),
    );
    const dup = structuredClone(doc);
    dup.sites[1]!.hostnames = [`${n.shop}.example.test`];
    const clash = await admin.post('/api/v1/apply?dryRun=true', dup);
    expect(clash.status).toBe(400);
    expect(clash.body.details[0].field).toBe('sites.1.hostnames.0');
    expect((await admin.post('/api/v1/apply', { apiVersion: 'v0' })).status).toBe(400);
    expect(await revision()).toBe(before);
    await clear();
  });

  it('accepts YAML, leaves sections the document omits alone, and needs the write permission', async () => {
    const { doc, names: n } = fleetDocument();
    expect((await admin.post('/api/v1/apply', doc)).status).toBe(200);
    const only = {
      apiVersion: 'portico/v1',
      upstreams: doc.upstreams.map((u) => ({ ...u, labels: { team: 'a' } })),
    };
    const res = await admin.request('POST', '/api/v1/apply', {
      raw: stringify(only),
      headers: { 'content-type': 'application/yaml' },
    });
    expect(res.status).toBe(200);
    expect(res.body.managed).toEqual(['upstreams']);
    expect(res.body.summary).toEqual({ create: 0, update: 2, delete: 0, unchanged: 0 });
    expect(await names('sites')).toEqual([n.blog, n.shop].sort());

    const yamlError = await admin.request('POST', '/api/v1/apply', {
      raw: 'apiVersion: [unclosed',
      headers: { 'content-type': 'application/yaml' },
    });
    expect(yamlError.status).toBe(400);

    expect((await roles.viewer.post('/api/v1/apply?dryRun=true', doc)).status).toBe(403);
    // Agents are admin's (they hold root on their hosts): an operator's document may not touch them.
    const relabelled = { ...doc, agents: doc.agents.map((a) => ({ ...a, labels: { moved: 'yes' } })) };
    const operatorDry = await roles.operator.post('/api/v1/apply?dryRun=true', relabelled);
    expect(operatorDry.status).toBe(403);
    expect(operatorDry.body.details.items.map((i: { kind: string }) => i.kind)).toEqual(
      expect.arrayContaining(['agent']),
    );
    // The same document with its agents as they are changes no agent: an operator may apply it.
    expect((await roles.operator.post('/api/v1/apply?dryRun=true', doc)).status).toBe(200);
    expect((await app.client().post('/api/v1/apply', doc)).status).toBe(401);

    const emptyUpstreams = await admin.post('/api/v1/apply', { apiVersion: 'portico/v1', upstreams: [] });
    // The same answer as DELETE /upstreams/:id: 409 IN_USE naming the sites.
    expect(emptyUpstreams.status).toBe(409);
    expect(emptyUpstreams.body.code).toBe('IN_USE');
    expect(emptyUpstreams.body.message).toContain('is used by sites');
    await clear();
  });
});
