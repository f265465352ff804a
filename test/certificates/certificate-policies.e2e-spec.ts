import { X509Certificate } from 'node:crypto';
import { connect as tlsConnect } from 'node:tls';
import { afterAll, beforeAll, describe, expect, it, jest } from '@jest/globals';
import { agentDocFor } from '../fixtures/fleet-agent.js';
import { waitForDeployment } from '../fleet/fleet-app.js';
import type { ApiClient } from '../support/api-client.js';
import { AcmeStand } from './acme-stand.js';

// Certificate policies as objects of their own: made through the REST API and through fleet
// documents, named by sites, followed by orders, and acted on by the scheduler, which issues a
// certificate by itself for a placed site that has none. Real Pebble, BIND, sshd + nginx.
jest.setTimeout(150_000);

const HOSTNAME = 'chat.policy.test';

let stand: AcmeStand;
let api: ApiClient;
let agentName: string;

beforeAll(async () => {
  stand = await AcmeStand.start({
    label: 'certificate-policies',
    zone: 'policy.test',
    hostname: HOSTNAME,
    body: 'chat backend\n',
    env: { CERT_SCHEDULER_INTERVAL_SEC: '1' },
  });
  api = stand.api;
  // The agent carries a private key, which documents never do: it is registered through the API.
  const agent = await api.post('/api/v1/agents', agentDocFor(stand.host, { httpsPort: stand.httpsPort }));
  expect(agent.status).toBe(201);
  agentName = agent.body.name;
});

afterAll(async () => {
  await stand?.stop();
});

const fleetDoc = (policy: Record<string, unknown>, site: Record<string, unknown> = {}) => ({
  apiVersion: 'portico/v1',
  upstreams: [{ name: 'chat', targets: [{ host: '127.0.0.1', port: stand.backendPort }] }],
  certificatePolicies: [{ name: 'pebble', directory: stand.pebble.directoryUrl, ...policy }],
  sites: [
    {
      name: 'chat',
      hostnames: [HOSTNAME],
      tlsMode: 'acme',
      certificatePolicy: 'pebble',
      routes: [{ pathPrefix: '/', upstream: 'chat' }],
      agents: [agentName],
      ...site,
    },
  ],
});

async function until<T>(what: string, read: () => Promise<T | undefined>, timeoutMs = 60_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await read();
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 250));
  }
}

/** The leaf the agent serves for the name (no verification: only its serial and key are read). */
function servedLeaf(): Promise<X509Certificate | null> {
  return new Promise((resolve) => {
    const socket = tlsConnect(
      { host: stand.host.address, port: stand.httpsPort, servername: HOSTNAME, rejectUnauthorized: false },
      () => {
        const raw = socket.getPeerCertificate().raw;
        socket.end();
        resolve(raw ? new X509Certificate(raw) : null);
      },
    );
    socket.on('error', () => resolve(null));
  });
}

describe('certificate policies', () => {
  it('refuses a policy for a directory with no account, then without one nothing is created', async () => {
    const noAccount = await api.post('/api/v1/certificate-policies', {
      name: 'pebble',
      directory: stand.pebble.directoryUrl,
    });
    expect(noAccount.status).toBe(400);
    expect(noAccount.body.details).toEqual([
      { field: 'directory', message: expect.stringContaining('no ACME account for') },
    ]);
    const bad = await api.post('/api/v1/certificate-policies', {
      name: 'x',
      directory: 'ftp://nope',
      challenge: 'tls-alpn-01',
      keyType: 'dsa',
    });
    expect(bad.status).toBe(400);
    expect(bad.body.details.map((d: { field: string }) => d.field).sort()).toEqual([
      'challenge',
      'directory',
      'keyType',
    ]);
    // A document naming it fails as a whole, with the field path, and changes nothing.
    const applied = await api.post('/api/v1/apply', fleetDoc({}));
    expect(applied.status).toBe(400);
    expect(applied.body.details).toContainEqual(
      expect.objectContaining({
        field: 'certificatePolicies.0.directory',
        message: expect.stringContaining('POST /api/v1/acme-accounts'),
      }),
    );
    expect((await api.get('/api/v1/upstreams')).body.total).toBe(0);
    expect((await api.get('/api/v1/certificate-policies')).body).toEqual({ items: [], total: 0 });
  });

  it('comes from the document: planned, applied, exported, and re-applied as a no-op', async () => {
    const account = await api.post('/api/v1/acme-accounts', {
      directory: stand.pebble.directoryUrl,
      termsOfServiceAgreed: true,
    });
    expect(account.status).toBe(201);

    // First without auto-issue: the site must be live on port 80 before the CA is asked.
    const doc = fleetDoc({ keyType: 'rsa-2048', autoIssue: false });
    const plan = await api.post('/api/v1/apply?dryRun=true', doc);
    expect(plan.status).toBe(200);
    const policyChange = plan.body.changes.find((c: { kind: string }) => c.kind === 'certificatePolicy');
    expect(policyChange).toMatchObject({ action: 'create', name: 'pebble' });
    expect(policyChange.fields).toEqual(
      expect.arrayContaining([
        { field: 'directory', after: stand.pebble.directoryUrl },
        { field: 'challenge', after: 'http-01' },
        { field: 'keyType', after: 'rsa-2048' },
        { field: 'autoIssue', after: false },
      ]),
    );
    const applied = await api.post('/api/v1/apply?deploy=true', doc);
    expect(applied.status).toBe(200);
    expect(applied.body.summary).toEqual({ create: 3, update: 0, delete: 0, unchanged: 0 });
    expect((await waitForDeployment(api, applied.body.deployment.id)).status).toBe('succeeded');

    const policies = await api.get('/api/v1/certificate-policies');
    expect(policies.body.items).toEqual([
      expect.objectContaining({
        name: 'pebble',
        directory: stand.pebble.directoryUrl,
        accountId: account.body.id,
        challenge: 'http-01',
        keyType: 'rsa-2048',
        autoIssue: false,
        sites: ['chat'],
      }),
    ]);
    const site = (await api.get('/api/v1/sites?q=chat')).body.items[0];
    expect(site).toMatchObject({ certificatePolicy: 'pebble', certificateId: null });

    const exported = await api.get('/api/v1/export');
    expect(exported.body.certificatePolicies).toEqual([
      {
        name: 'pebble',
        directory: stand.pebble.directoryUrl,
        challenge: 'http-01',
        keyType: 'rsa-2048',
        autoIssue: false,
      },
    ]);
    expect(exported.body.sites[0].certificatePolicy).toBe('pebble');
    const again = await api.post('/api/v1/apply', exported.body);
    expect(again.body).toMatchObject({ applied: false, summary: { create: 0, update: 0, delete: 0 } });
    // Nothing was ordered while autoIssue is off, though the scheduler ticks every second.
    await new Promise((r) => setTimeout(r, 2_500));
    expect((await api.get('/api/v1/certificate-orders')).body.total).toBe(0);
  });

  it('issues by itself once autoIssue is on, with the key type of the policy, and nginx serves it', async () => {
    const plan = await api.post('/api/v1/apply?dryRun=true', fleetDoc({ keyType: 'rsa-2048' }));
    expect(plan.body.changes).toEqual([
      {
        action: 'update',
        kind: 'certificatePolicy',
        name: 'pebble',
        fields: [{ field: 'autoIssue', before: false, after: true }],
      },
    ]);
    expect((await api.post('/api/v1/apply', fleetDoc({ keyType: 'rsa-2048' }))).body.applied).toBe(true);

    // The scheduler notices the placed ACME site without a certificate and orders one.
    const order = await until('an order that ends', async () => {
      const orders = (await api.get('/api/v1/certificate-orders')).body.items;
      return orders[0]?.state === 'valid' || orders[0]?.state === 'failed' ? orders[0] : undefined;
    });
    expect({ state: order.state, problem: order.problem }).toEqual({ state: 'valid', problem: null });
    expect(order).toMatchObject({
      kind: 'issue',
      challengeType: 'http-01',
      keyType: 'rsa-2048',
      domains: [HOSTNAME],
    });
    expect((await api.get('/api/v1/certificate-orders')).body.total).toBe(1);
    const audit = (await api.get('/api/v1/audit?action=certificate.order')).body.items;
    expect(audit[0]).toMatchObject({ actorType: 'system', targetId: order.certificateId });

    const cert = (await api.get(`/api/v1/certificates/${order.certificateId}`)).body;
    const leaf = await until('nginx serving the issued certificate', async () => {
      const served = await servedLeaf();
      return served && served.serialNumber.toUpperCase() === cert.serial ? served : undefined;
    });
    expect(leaf.publicKey.asymmetricKeyType).toBe('rsa');
    expect(leaf.publicKey.asymmetricKeyDetails?.modulusLength).toBe(2048);
    expect(leaf.checkHost(HOSTNAME)).toBe(HOSTNAME);
  });

  it('keeps a policy in use: no delete through the API or a document, and wildcards need dns-01', async () => {
    const policy = (await api.get('/api/v1/certificate-policies')).body.items[0];
    const del = await api.delete(`/api/v1/certificate-policies/${policy.id}`);
    expect(del.status).toBe(409);
    expect(del.body).toMatchObject({ code: 'IN_USE', details: { sites: ['chat'] } });

    const { certificatePolicies: _p, ...withoutPolicy } = fleetDoc({});
    const dropped = await api.post('/api/v1/apply', { ...withoutPolicy, certificatePolicies: [] });
    // The same answer as the DELETE above, under the policy's place in the document.
    expect(dropped.status).toBe(409);
    expect(dropped.body).toMatchObject({
      code: 'IN_USE',
      details: [
        {
          field: 'certificatePolicies',
          message: 'certificate policy pebble is used by sites: chat',
          reason: 'IN_USE',
        },
      ],
    });

    const site = (await api.get('/api/v1/sites?q=chat')).body.items[0];
    const wildcard = await api.patch(`/api/v1/sites/${site.id}`, { hostnames: ['*.policy.test'] });
    expect(wildcard.status).toBe(400);
    expect(wildcard.body.details).toEqual([
      { field: 'certificatePolicy', message: expect.stringContaining('use a dns-01 policy') },
    ]);
    // A preview of an unsaved draft refuses the same, under the same field.
    const draft = {
      name: 'draft',
      hostnames: ['*.policy.test'],
      tlsMode: 'acme',
      certificatePolicy: 'pebble',
      routes: [{ pathPrefix: '/', upstream: 'chat' }],
    };
    const preview = await api.post('/api/v1/sites/render-preview?flavor=nginx', draft);
    expect(preview.status).toBe(400);
    expect(preview.body.details).toEqual([
      { field: 'certificatePolicy', message: expect.stringContaining('use a dns-01 policy') },
    ]);
    const previewUnknown = await api.post('/api/v1/sites/render-preview?flavor=nginx', {
      ...draft,
      hostnames: ['draft.policy.test'],
      certificatePolicy: 'nope',
    });
    expect(previewUnknown.body.details).toEqual([
      { field: 'certificatePolicy', message: 'no certificate policy named nope' },
    ]);
    const unknown = await api.patch(`/api/v1/sites/${site.id}`, { certificatePolicy: 'nope' });
    expect(unknown.status).toBe(400);
    expect(unknown.body.details).toEqual([
      { field: 'certificatePolicy', message: 'no certificate policy named nope' },
    ]);

    // Through the API: a second policy, renamed with If-Match, then deleted once unused.
    const made = await api.post('/api/v1/certificate-policies', {
      name: 'spare',
      directory: stand.pebble.directoryUrl,
      challenge: 'dns-01',
      autoIssue: false,
    });
    expect(made.status).toBe(201);
    const stale = await api.patch(
      `/api/v1/certificate-policies/${made.body.id}`,
      { name: 'x' },
      { 'if-match': '"7"' },
    );
    expect(stale.status).toBe(409);
    const renamed = await api.patch(
      `/api/v1/certificate-policies/${made.body.id}`,
      { name: 'dns' },
      { 'if-match': `"${made.body.version}"` },
    );
    expect(renamed.status).toBe(200);
    expect(renamed.body).toMatchObject({ name: 'dns', version: made.body.version + 1 });
    expect((await api.delete(`/api/v1/certificate-policies/${made.body.id}`)).status).toBe(204);
  });
});
