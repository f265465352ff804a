import { X509Certificate } from 'node:crypto';
import { readdirSync } from 'node:fs';
import { type DetailedPeerCertificate, connect as tlsConnect } from 'node:tls';
import { afterAll, beforeAll, describe, expect, it, jest } from '@jest/globals';
import { agentDocFor } from '../fixtures/fleet-agent.js';
import type { SshHost } from '../fixtures/ssh-host.js';
import { waitForDeployment } from '../fleet/fleet-app.js';
import type { ApiClient } from '../support/api-client.js';
import { AcmeStand } from './acme-stand.js';

// The production path with no stand-ins: the built app in its own process on a fresh database,
// trusting Pebble's directory TLS through NODE_EXTRA_CA_CERTS; a real sshd + nginx host
// registered as an agent through the API; Pebble validating HTTP-01 on that nginx, resolving the
// site's name through a real BIND. Everything after setup goes through the REST API only.
jest.setTimeout(120_000);

const HOSTNAME = 'www.through-api.test';

let stand: AcmeStand;
let host: SshHost;
let pebbleRoot: string;
let api: ApiClient;
let httpsPort: number;

beforeAll(async () => {
  stand = await AcmeStand.start({
    label: 'issuance-through-api',
    zone: 'through-api.test',
    hostname: HOSTNAME,
    body: 'hello from the backend\n',
    env: { PORTICO_RENEWAL_SCHEDULER: 'off' },
  });
  ({ host, api, httpsPort } = stand);
  pebbleRoot = await stand.pebble.rootPem();
});

afterAll(async () => {
  await stand?.stop();
});

/** Polls an order through the API until it leaves the working states. */
async function waitForOrder(orderId: string, timeoutMs = 45_000) {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const res = await api.get(`/api/v1/certificate-orders/${orderId}`);
    expect(res.status).toBe(200);
    if (res.body.state === 'valid' || res.body.state === 'failed') return res.body;
    if (Date.now() > deadline)
      throw new Error(`order ${orderId} still ${res.body.state}: ${JSON.stringify(res.body.steps)}`);
    await new Promise((r) => setTimeout(r, 200));
  }
}

/** TLS handshake with the agent's HTTPS listener, verifying against Pebble's root only. */
function handshake(
  servername: string,
): Promise<{ authorized: boolean; error?: string; cert: DetailedPeerCertificate }> {
  return new Promise((resolve, reject) => {
    const socket = tlsConnect(
      { host: host.address, port: httpsPort, servername, ca: pebbleRoot, rejectUnauthorized: false },
      () => {
        const result = {
          authorized: socket.authorized,
          error: socket.authorizationError?.toString(),
          cert: socket.getPeerCertificate(true),
        };
        socket.end();
        resolve(result);
      },
    );
    socket.on('error', reject);
  });
}

/** nginx reloads asynchronously: the old workers may answer (or refuse 443) a moment longer. */
async function servedCertificate(servername: string, serial: string) {
  const deadline = Date.now() + 5_000;
  for (;;) {
    const tls = await handshake(servername).catch(() => null);
    if ((tls && tls.cert.serialNumber.toUpperCase() === serial) || Date.now() > deadline) return tls;
    await new Promise((r) => setTimeout(r, 100));
  }
}

describe('ACME issuance through the API of the built app', () => {
  it('orders, validates on the agent, stores, rolls out through a fleet deployment, and nginx serves it', async () => {
    // The agent, registered through the API like any fleet host, with its own HTTPS port.
    const agentRes = await api.post('/api/v1/agents', agentDocFor(host, { httpsPort }));
    expect(agentRes.status).toBe(201);
    const agent = agentRes.body;

    const account = await api.post('/api/v1/acme-accounts', {
      directory: stand.pebble.directoryUrl,
      email: 'ops@through-api.test',
      termsOfServiceAgreed: true,
    });
    expect(account.status).toBe(201);
    expect(account.body.accountUrl).toMatch(/^https:\/\/127\.0\.0\.1:\d+\//);
    expect(account.text).not.toMatch(/BEGIN|keyEncrypted/);

    const up = await api.post('/api/v1/upstreams', {
      name: 'backend',
      targets: [{ host: '127.0.0.1', port: stand.backendPort }],
    });
    expect(up.status).toBe(201);
    const site = await api.post('/api/v1/sites', {
      name: 'shop',
      hostnames: [HOSTNAME],
      routes: [{ pathPrefix: '/', upstream: 'backend' }],
      agents: [agent.name],
      tlsMode: 'acme',
    });
    expect(site.status).toBe(201);

    // Live on port 80 (challenge path included) before any certificate exists.
    const first = await api.post('/api/v1/deployments', { all: true, wait: 30 });
    expect([200, 202]).toContain(first.status);
    const firstDone = await waitForDeployment(api, first.body.id);
    expect(firstDone.status).toBe('succeeded');
    expect((await host.waitFor(HOSTNAME, (r) => r.status === 200)).body).toBe('hello from the backend\n');

    const started = await api.post('/api/v1/certificates/acme', { siteId: site.body.id });
    expect(started.status).toBe(202);
    const order = await waitForOrder(started.body.id);
    expect({ state: order.state, problem: order.problem }).toEqual({ state: 'valid', problem: null });
    const steps = order.steps.map((s: { step: string }) => s.step);
    expect(steps).toEqual(expect.arrayContaining(['prechecked', 'authorized', 'stored', 'deploy']));
    const deployStep = order.steps.find((s: { step: string }) => s.step === 'deploy');
    expect(deployStep.detail).toMatchObject({ status: 'started', agentIds: [agent.id] });

    // The certificate rollout started a fleet deployment of its own: the newest one.
    const list = await api.get('/api/v1/deployments?limit=5');
    expect(list.status).toBe(200);
    const newest = list.body.items[0];
    expect(newest.id).not.toBe(first.body.id);
    expect(newest.id).toBe(deployStep.detail.deploymentId);
    const rollout = await waitForDeployment(api, newest.id);
    expect(rollout.status).toBe('succeeded');
    expect(rollout.targets.map((t: { agentId: string }) => t.agentId)).toEqual([agent.id]);
    expect(rollout.revision).toBeGreaterThan(firstDone.revision);

    const certRes = await api.get(`/api/v1/certificates/${order.certificateId}`);
    expect(certRes.status).toBe(200);
    const cert = certRes.body;
    expect(cert).toMatchObject({ source: 'acme', status: 'valid', hasKey: true, domains: [HOSTNAME] });
    expect(certRes.text).not.toMatch(/PRIVATE KEY|keyEncrypted|keyPem/);

    // nginx serves the issued leaf for the name, chaining to Pebble's root.
    const tls = await servedCertificate(HOSTNAME, cert.serial);
    expect(tls).not.toBeNull();
    expect(tls!.cert.serialNumber.toUpperCase()).toBe(cert.serial);
    expect(tls).toMatchObject({ authorized: true });
    expect(tls!.cert.subjectaltname).toContain(`DNS:${HOSTNAME}`);
    const leaf = new X509Certificate(tls!.cert.raw);
    expect(leaf.checkHost(HOSTNAME)).toBe(HOSTNAME);
    const root = new X509Certificate(pebbleRoot);
    let issuer: DetailedPeerCertificate = tls!.cert;
    while (issuer.issuerCertificate && issuer.issuerCertificate !== issuer) issuer = issuer.issuerCertificate;
    const top = new X509Certificate(issuer.raw);
    expect(top.fingerprint256 === root.fingerprint256 || top.checkIssued(root)).toBe(true);

    // Challenge answers and the pre-check probe are gone from the webroot.
    expect(readdirSync(`${host.configRoot}/acme/.well-known/acme-challenge`)).toEqual([]);
    const all = await api.get('/api/v1/certificates');
    expect(all.body.items).toEqual([expect.objectContaining({ id: cert.id, hasKey: true })]);
    expect(all.text).not.toMatch(/PRIVATE KEY|keyEncrypted/);
  });
});
