import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import ssh2 from 'ssh2';
import type { ApiClient } from '../support/api-client.js';
import { agentDoc, serviceDoc, siteDoc, upstreamDoc } from '../support/factories.js';
import { TestApp } from '../support/test-app.js';
import { TestDatabase } from '../support/test-database.js';

let db: TestDatabase;
let app: TestApp;
let admin: ApiClient;

const MISSING = '00000000-0000-4000-8000-000000000000';

beforeAll(async () => {
  db = await TestDatabase.create('crud_agents');
  app = await TestApp.start({ databaseUrl: db.url });
  admin = await app.admin();
});

afterAll(async () => {
  await app?.stop();
  await db?.drop();
});

/** The body of a PEM/OpenSSH key without its armour: what must never show up anywhere. */
const keyBody = (pem: string) =>
  pem
    .split('\n')
    .filter((l) => l && !l.startsWith('-----'))
    .join('');

describe('agents CRUD', () => {
  it('creates an agent with defaults and no key', async () => {
    const doc = agentDoc();
    const res = await admin.post('/api/v1/agents', doc);
    expect(res.status).toBe(201);
    expect(res.body).toMatchObject({
      name: doc.name,
      address: doc.address,
      sshPort: 22,
      sshUser: 'root',
      useSudo: false,
      flavor: 'nginx',
      configRoot: '/etc/portico',
      validateCommand: null,
      reloadCommand: null,
      labels: {},
      version: 1,
      hasPrivateKey: false,
      sshPublicKey: null,
    });
    expect(res.body).not.toHaveProperty('sshKeyEncrypted');
    const got = await admin.get(`/api/v1/agents/${res.body.id}`);
    expect(got.headers.get('etag')).toBe('"1"');
    expect(got.body).toEqual(res.body);
  });

  it('stores a pasted private key sealed and only ever shows its public half', async () => {
    const pair = ssh2.utils.generateKeyPairSync('ed25519');
    const res = await admin.post(
      '/api/v1/agents',
      agentDoc({ privateKey: pair.private, sshUser: 'deploy', useSudo: true, flavor: 'apache' }),
    );
    expect({ status: res.status, body: res.status === 201 ? 'ok' : res.body }).toEqual({
      status: 201,
      body: 'ok',
    });
    expect(res.body).toMatchObject({
      hasPrivateKey: true,
      sshUser: 'deploy',
      useSudo: true,
      flavor: 'apache',
    });
    // Same key material as the pair's public half (the comment is Portico's own).
    expect(res.body.sshPublicKey.split(' ').slice(0, 2)).toEqual(pair.public.split(' ').slice(0, 2));

    const body = keyBody(pair.private);
    for (const path of [
      `/api/v1/agents/${res.body.id}`,
      '/api/v1/agents',
      '/api/v1/audit?targetType=agent',
    ]) {
      const text = (await admin.get(path)).text;
      expect(text).not.toContain(body);
      expect(text).not.toContain('sshKeyEncrypted');
    }
    const [row] = await db.query<{ sshKeyEncrypted: string }>(
      'SELECT "sshKeyEncrypted" FROM "Agent" WHERE id = $1',
      [res.body.id],
    );
    expect(row!.sshKeyEncrypted).toMatch(/^v1\./);
    expect(row!.sshKeyEncrypted).not.toContain(body.slice(0, 20));
  });

  it('generates a key pair on request and rotates it on update', async () => {
    const res = await admin.post('/api/v1/agents', agentDoc({ generateKey: true }));
    expect(res.status).toBe(201);
    expect(res.body.hasPrivateKey).toBe(true);
    expect(res.body.sshPublicKey).toMatch(/^ssh-ed25519 \S+ portico@/);
    const rotated = await admin.patch(`/api/v1/agents/${res.body.id}`, { generateKey: true });
    expect(rotated.status).toBe(200);
    expect(rotated.body.sshPublicKey).not.toBe(res.body.sshPublicKey);
    expect(rotated.body.version).toBe(2);
  });

  it('rejects a private key that is not one, and both key sources at once', async () => {
    const notKey = await admin.post('/api/v1/agents', agentDoc({ privateKey: 'hello' }));
    expect(notKey.status).toBe(400);
    expect(notKey.body.details).toEqual([
      { field: 'privateKey', message: 'is not an unencrypted OpenSSH or PEM private key' },
    ]);
    const pair = ssh2.utils.generateKeyPairSync('ed25519');
    const both = await admin.post(
      '/api/v1/agents',
      agentDoc({ privateKey: pair.private, generateKey: true }),
    );
    expect(both.status).toBe(400);
    expect(both.body.details).toEqual([
      { field: 'generateKey', message: 'cannot be combined with privateKey' },
    ]);
    expect(notKey.text).not.toContain('hello');
  });

  it('lists with pagination and labels, updates and answers 409 on duplicate names', async () => {
    const a = (await admin.post('/api/v1/agents', agentDoc({ labels: { region: 'eu-west' } }))).body;
    const b = (await admin.post('/api/v1/agents', agentDoc({ labels: { region: 'eu-west' } }))).body;
    const list = await admin.get('/api/v1/agents?label=region=eu-west&limit=1');
    expect(list.body).toMatchObject({ total: 2, limit: 1 });
    expect(list.body.items).toHaveLength(1);
    expect(list.body.items[0]).not.toHaveProperty('sshKeyEncrypted');

    const upd = await admin.patch(`/api/v1/agents/${a.id}`, {
      sshPort: 2222,
      validateCommand: '/usr/sbin/nginx -t',
    });
    expect(upd.status).toBe(200);
    expect(upd.body).toMatchObject({ sshPort: 2222, validateCommand: '/usr/sbin/nginx -t', version: 2 });
    const dup = await admin.patch(`/api/v1/agents/${b.id}`, { name: a.name });
    expect(dup.status).toBe(409);
    expect(dup.body.code).toBe('NAME_TAKEN');
    expect((await admin.post('/api/v1/agents', agentDoc({ name: a.name }))).status).toBe(409);
  });

  it('deleting an agent removes it from the sites and services placed on it', async () => {
    const agent = (await admin.post('/api/v1/agents', agentDoc())).body;
    const up = (await admin.post('/api/v1/upstreams', upstreamDoc())).body;
    const site = (await admin.post('/api/v1/sites', siteDoc(up.name, { agents: [agent.name] }))).body;
    const svc = (await admin.post('/api/v1/services', serviceDoc({ agents: [agent.name] }))).body;
    expect(site.agents).toEqual([agent.name]);
    expect(svc.agents).toEqual([agent.name]);

    expect((await admin.delete(`/api/v1/agents/${agent.id}`)).status).toBe(204);
    expect((await admin.get(`/api/v1/agents/${agent.id}`)).status).toBe(404);
    expect((await admin.get(`/api/v1/sites/${site.id}`)).body.agents).toEqual([]);
    expect((await admin.get(`/api/v1/services/${svc.id}`)).body.agents).toEqual([]);
  });

  it('answers 404 for missing ids', async () => {
    expect((await admin.get(`/api/v1/agents/${MISSING}`)).status).toBe(404);
    expect((await admin.patch(`/api/v1/agents/${MISSING}`, { sshPort: 22 })).status).toBe(404);
    expect((await admin.delete(`/api/v1/agents/${MISSING}`)).status).toBe(404);
  });
});
