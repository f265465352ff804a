import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import type { ApiClient } from '../support/api-client.js';
import { agentDoc, serviceDoc, uniqueName } from '../support/factories.js';
import { TestApp } from '../support/test-app.js';
import { TestDatabase } from '../support/test-database.js';

let db: TestDatabase;
let app: TestApp;
let admin: ApiClient;

const MISSING = '00000000-0000-4000-8000-000000000000';

beforeAll(async () => {
  db = await TestDatabase.create('crud_services');
  app = await TestApp.start({ databaseUrl: db.url });
  admin = await app.admin();
});

afterAll(async () => {
  await app?.stop();
  await db?.drop();
});

describe('services CRUD', () => {
  it('creates a generic service with defaults', async () => {
    const doc = serviceDoc();
    const res = await admin.post('/api/v1/services', doc);
    expect(res.status).toBe(201);
    expect(res.body).toMatchObject({
      name: doc.name,
      kind: 'generic',
      description: '',
      execStart: doc.execStart,
      image: null,
      environment: {},
      user: null,
      restart: 'always',
      options: {},
      agents: [],
      labels: {},
      version: 1,
    });
    const got = await admin.get(`/api/v1/services/${res.body.id}`);
    expect(got.headers.get('etag')).toBe('"1"');
    expect(got.body).toEqual(res.body);
  });

  it('creates preset services without execStart and keeps options and placements', async () => {
    const agents = [
      (await admin.post('/api/v1/agents', agentDoc())).body.name,
      (await admin.post('/api/v1/agents', agentDoc())).body.name,
    ].sort();
    const res = await admin.post('/api/v1/services', {
      name: uniqueName('ollama'),
      kind: 'ollama',
      description: 'Local LLM: "quoted" & fine',
      environment: { OLLAMA_KEEP_ALIVE: '24h', OLLAMA_ORIGINS: 'https://chat.example.test' },
      user: 'ollama',
      restart: 'on_failure',
      options: { listen: '0.0.0.0:11434', extraOrigins: ['https://chat.example.test'] },
      agents,
      labels: { gpu: 'yes' },
    });
    expect(res.status).toBe(201);
    expect(res.body).toMatchObject({
      kind: 'ollama',
      execStart: null,
      restart: 'on_failure',
      options: { listen: '0.0.0.0:11434', extraOrigins: ['https://chat.example.test'] },
      agents,
    });
  });

  it('requires execStart for generic services, on create and on update', async () => {
    const res = await admin.post('/api/v1/services', { name: uniqueName('svc') });
    expect(res.status).toBe(400);
    expect(res.body.details).toEqual([{ field: 'execStart', message: 'is required for a generic service' }]);
    const preset = (await admin.post('/api/v1/services', { name: uniqueName('webui'), kind: 'openwebui' }))
      .body;
    const toGeneric = await admin.patch(`/api/v1/services/${preset.id}`, { kind: 'generic' });
    expect(toGeneric.status).toBe(400);
    expect(toGeneric.body.details).toEqual([
      { field: 'execStart', message: 'is required for a generic service' },
    ]);
    expect((await admin.get(`/api/v1/services/${preset.id}`)).body.version).toBe(1);
  });

  it('updates, lists, rejects unknown agents and duplicate names, deletes', async () => {
    const svc = (await admin.post('/api/v1/services', serviceDoc({ labels: { app: 'x' } }))).body;
    const agent = (await admin.post('/api/v1/agents', agentDoc())).body.name;
    const upd = await admin.patch(`/api/v1/services/${svc.id}`, { agents: [agent], environment: { A: '1' } });
    expect(upd.status).toBe(200);
    expect(upd.body).toMatchObject({ agents: [agent], environment: { A: '1' }, version: 2 });
    const unknown = await admin.patch(`/api/v1/services/${svc.id}`, { agents: [agent, 'ghost'] });
    expect(unknown.status).toBe(400);
    expect(unknown.body.details).toEqual([{ field: 'agents.1', message: 'no agent named ghost' }]);
    const twice = await admin.patch(`/api/v1/services/${svc.id}`, { agents: [agent, agent] });
    expect(twice.status).toBe(400);
    expect(twice.body.details).toEqual([{ field: 'agents', message: 'agents must be unique' }]);
    expect((await admin.get(`/api/v1/services/${svc.id}`)).body).toMatchObject({
      agents: [agent],
      version: 2,
    });

    const other = (await admin.post('/api/v1/services', serviceDoc())).body;
    const dup = await admin.patch(`/api/v1/services/${other.id}`, { name: svc.name });
    expect(dup.status).toBe(409);
    expect((await admin.post('/api/v1/services', serviceDoc({ name: svc.name }))).body.code).toBe(
      'NAME_TAKEN',
    );

    const list = await admin.get('/api/v1/services?label=app=x');
    expect(list.body.items.map((s: { id: string }) => s.id)).toEqual([svc.id]);

    expect((await admin.delete(`/api/v1/services/${svc.id}`)).status).toBe(204);
    expect((await admin.get(`/api/v1/services/${svc.id}`)).status).toBe(404);
    expect((await db.query('SELECT 1 FROM "ServicePlacement" WHERE "serviceId" = $1', [svc.id])).length).toBe(
      0,
    );
  });

  it('answers 404 for missing ids', async () => {
    expect((await admin.get(`/api/v1/services/${MISSING}`)).status).toBe(404);
    expect((await admin.patch(`/api/v1/services/${MISSING}`, { description: 'x' })).status).toBe(404);
    expect((await admin.delete(`/api/v1/services/${MISSING}`)).status).toBe(404);
  });
});
