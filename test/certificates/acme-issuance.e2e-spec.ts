import { execFileSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { readdirSync, statSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import { type PeerCertificate, connect as tlsConnect } from 'node:tls';
import { afterAll, beforeAll, describe, expect, it, jest } from '@jest/globals';
import { AcmeGateway } from '../../apps/api/src/modules/certificates/acme/acme.gateway.js';
import { RenewalScheduler } from '../../apps/api/src/modules/certificates/acme/renewal.scheduler.js';
import { EventBus } from '../../apps/api/src/modules/events/event-bus.js';
import { AriResponder } from '../fixtures/ari-responder.js';
import { Bind } from '../fixtures/bind.js';
import { Pebble } from '../fixtures/pebble.js';
import { freePort } from '../fixtures/ports.js';
import { SshHost } from '../fixtures/ssh-host.js';
import { SshHostFleet } from '../fixtures/ssh-host-fleet.js';
import {
  type CertApp,
  createAgent,
  createDatabase,
  createSite,
  HostRollout,
  startApp,
  waitForOrder,
} from './cert-harness.js';

jest.setTimeout(120_000);

/** Both API instances of the exactly-once test must open the same sealed secrets. */
const SECRET = randomBytes(32).toString('hex');

// One world for the file: two nginx agents on their own loopback addresses sharing the HTTP and
// HTTPS ports (Pebble has one httpPort), BIND authoritative for acme.test (Pebble's resolver),
// Pebble, and the API on a fresh database. Each test uses its own site and names.
let fleet: SshHostFleet;
let h1: SshHost;
let h2: SshHost;
let bind: Bind;
let pebble: Pebble;
let ari: AriResponder;
let upstream: Server;
let db: { url: string; drop: () => Promise<void> };
let c: CertApp;
let rollout: HostRollout;
let ports: { http: number; https: number };
let agents: { a1: string; a2: string };
let accountId: string;
let pebbleRoot: string;

beforeAll(async () => {
  fleet = await SshHostFleet.start(['nginx', 'nginx']);
  [h1, h2] = [fleet.host(0), fleet.host(1)];
  ports = { http: await freePort(), https: await freePort() };
  upstream = createServer((_req, res) => res.end('hello from the backend\n'));
  await new Promise<void>((r) => upstream.listen(0, '127.0.0.1', r));
  bind = await Bind.start({
    zone: 'acme.test',
    a: {
      // Round-robin style: the CA reaches agent 2 for www, agent 1 for api; both get the answer.
      'www.acme.test': h2.address,
      'api.acme.test': h1.address,
      'ghost.acme.test': h1.address,
      'ari.acme.test': h1.address,
      'nonce.acme.test': h1.address,
      'wild.acme.test': h1.address,
    },
  });
  pebble = await Pebble.start({ httpPort: ports.http, dnsPort: bind.port });
  AcmeGateway.trust(pebble.tlsCa);
  ari = await AriResponder.start(pebble.directoryUrl, pebble.tlsCa);
  pebbleRoot = await pebble.rootPem();
  db = await createDatabase('acme');
  rollout = new HostRollout(
    new Map([
      ['edge-1', h1],
      ['edge-2', h2],
    ]),
  );
  c = await startApp(db.url, rollout, SECRET);
  agents = {
    a1: (await createAgent(c, h1, 'edge-1', ports)).id,
    a2: (await createAgent(c, h2, 'edge-2', ports)).id,
  };
  const account = await c.api('POST', '/api/v1/acme-accounts', {
    directory: pebble.directoryUrl,
    email: 'ops@acme.test',
    termsOfServiceAgreed: true,
  });
  expect(account.status).toBe(201);
  expect(account.body.accountUrl).toMatch(/^https:\/\/127\.0\.0\.1:\d+\//);
  expect(JSON.stringify(account.body)).not.toMatch(/BEGIN|keyEncrypted/);
  accountId = account.body.id;
});

afterAll(async () => {
  await c?.close();
  await db?.drop();
  await ari?.stop();
  await pebble?.stop();
  await bind?.stop();
  await new Promise((r) => upstream?.close(r));
  await fleet?.stop();
});

function upstreamPort(): number {
  return (upstream.address() as { port: number }).port;
}

/** TLS handshake with the agent's 443 listener, verifying against Pebble's root only. */
function handshake(
  host: SshHost,
  servername: string,
): Promise<{ authorized: boolean; error?: string; cert: PeerCertificate }> {
  return new Promise((resolve, reject) => {
    const socket = tlsConnect(
      { host: host.address, port: ports.https, servername, ca: pebbleRoot, rejectUnauthorized: false },
      () => {
        const result = {
          authorized: socket.authorized,
          error: socket.authorizationError?.toString(),
          cert: socket.getPeerCertificate(),
        };
        socket.end();
        resolve(result);
      },
    );
    socket.on('error', reject);
  });
}

/** nginx reloads asynchronously: the old workers may answer a moment longer. */
async function servedSerial(host: SshHost, name: string, expected: string): Promise<string> {
  const deadline = Date.now() + 5_000;
  for (;;) {
    const serial = (await handshake(host, name)).cert.serialNumber.toUpperCase();
    if (serial === expected || Date.now() > deadline) return serial;
    await new Promise((r) => setTimeout(r, 100));
  }
}

async function issue(siteId: string, account = accountId) {
  const started = await c.api('POST', '/api/v1/certificates/acme', { siteId, accountId: account });
  expect(started.status).toBe(202);
  return waitForOrder(c, started.body.id);
}

const stepsOf = (order: { steps: { step: string }[] }) => order.steps.map((s) => s.step);

describe('ACME HTTP-01 through Pebble on a real two-agent fleet', () => {
  let siteId: string;
  let certificateId: string;

  it('issues for a site served by two agents, deploys it, and nginx serves a chain to Pebble', async () => {
    const site = await createSite(c, {
      name: 'shop',
      hostnames: ['www.acme.test', 'api.acme.test'],
      agentIds: [agents.a1, agents.a2],
      upstreamPort: upstreamPort(),
    });
    siteId = site.id;
    // The site is live on port 80 (challenge path included) before any certificate exists.
    const first = await rollout.deployAgents([agents.a1, agents.a2]);
    expect(first.map((o) => o.status)).toEqual(['deployed', 'deployed']);

    const order = await issue(siteId);
    expect(order.state).toBe('valid');
    expect(stepsOf(order)).toEqual(
      expect.arrayContaining([
        'prechecked',
        'ordered',
        'challenge_written',
        'authorized',
        'finalizing',
        'stored',
        'deploy',
      ]),
    );
    expect(order.steps.find((s: { step: string }) => s.step === 'deploy').detail.status).toBe('started');
    expect(order.orderUrl).toMatch(/^https:\/\/127\.0\.0\.1/);
    certificateId = order.certificateId;

    const cert = (await c.api('GET', `/api/v1/certificates/${certificateId}`)).body;
    expect(cert).toMatchObject({ source: 'acme', status: 'valid', hasKey: true });
    expect(cert.domains.sort()).toEqual(['api.acme.test', 'www.acme.test']);
    expect(cert.issuer).toMatch(/Pebble/);
    expect(cert).not.toHaveProperty('keyEncrypted');
    expect(cert.ariCertId).toMatch(/^[\w-]+\.[\w-]+$/);

    for (const host of [h1, h2]) {
      for (const name of ['www.acme.test', 'api.acme.test']) {
        const tls = await handshake(host, name);
        expect(tls).toMatchObject({ authorized: true });
        expect(tls.cert.subjectaltname).toContain(`DNS:${name}`);
        expect(tls.cert.serialNumber.toUpperCase()).toBe(cert.serial);
      }
      expect(statSync(`${host.configRoot}/live/certs/${certificateId}/privkey.pem`).mode & 0o777).toBe(0o600);
      // Challenge answers and the probe are gone again.
      expect(readdirSync(`${host.configRoot}/acme/.well-known/acme-challenge`)).toEqual([]);
    }
    expect(rollout.calls.at(-1)).toEqual({
      certificateId,
      agentIds: [agents.a1, agents.a2].sort(),
      reason: 'certificate issued',
    });
    // openssl agrees: the served chain verifies against Pebble's root.
    const out = execFileSync(
      'sh',
      [
        '-c',
        `printf '' | openssl s_client -connect ${h2.address}:${ports.https} -servername www.acme.test -CAfile /dev/stdin -verify_return_error 2>&1 <<'EOF'\n${pebbleRoot}EOF`,
      ],
      { encoding: 'utf8' },
    );
    expect(out).toMatch(/Verify return code: 0 \(ok\)/);
  });

  it('refuses a second order while one is open, and refuses non-ACME sites clearly', async () => {
    const other = await createSite(c, {
      name: 'plain',
      hostnames: ['plain.acme.test'],
      agentIds: [agents.a1],
      upstreamPort: upstreamPort(),
      tlsMode: 'off',
    });
    const refused = await c.api('POST', '/api/v1/certificates/acme', { siteId: other.id, accountId });
    expect(refused.status).toBe(422);
    expect(refused.body.code).toBe('ACME_NOT_READY');
  });

  it('renews at two thirds of the lifetime (Pebble has no ARI): same certificate, new serial, redeployed', async () => {
    const before = (await c.api('GET', `/api/v1/certificates/${certificateId}`)).body;
    const notBefore = new Date(before.notBefore).getTime();
    const lifetime = new Date(before.notAfter).getTime() - notBefore;
    expect(new Date(before.renewAfter).getTime()).toBeCloseTo(notBefore + (lifetime * 2) / 3, -4);
    const scheduler = c.app.get(RenewalScheduler);

    const early = await scheduler.tick(new Date(notBefore + lifetime * 0.5));
    expect(early.ordersCreated).toEqual([]);

    const report = await scheduler.tick(new Date(notBefore + lifetime * 0.7));
    expect(report.ordersCreated).toHaveLength(1);
    expect(report.ordersRun).toEqual(report.ordersCreated);
    const order = (await c.api('GET', `/api/v1/certificate-orders/${report.ordersCreated[0]}`)).body;
    expect(order).toMatchObject({ kind: 'renew', state: 'valid', replaces: null });
    const after = (await c.api('GET', `/api/v1/certificates/${certificateId}`)).body;
    expect(after.serial).not.toBe(before.serial);
    expect(after.lastRenewalAt).not.toBeNull();
    expect(await servedSerial(h1, 'www.acme.test', after.serial)).toBe(after.serial);
    expect(await servedSerial(h2, 'www.acme.test', after.serial)).toBe(after.serial);
    expect(rollout.calls.at(-1)?.reason).toBe('certificate renewed');
  });

  it('a failed renewal keeps the current certificate, records days left, raises health, and backs off', async () => {
    const before = (await c.api('GET', `/api/v1/certificates/${certificateId}`)).body;
    // Renewal health goes through the health feature: its transitions reach the event stream.
    const transitions: { checkKey: string; from?: string; status: string }[] = [];
    const unsubscribe = c.app.get(EventBus).subscribe((e) => {
      if (e.type === 'health.transition') transitions.push(e);
    });
    await h1.stopProxy(); // agent 1 cannot answer on port 80: the pre-check must catch it
    try {
      await c.prisma.certificate.update({
        where: { id: certificateId },
        data: { renewAfter: new Date(Date.now() - 1000) },
      });
      const now = new Date();
      const report = await c.app.get(RenewalScheduler).tick(now);
      expect(report.ordersCreated).toHaveLength(1);
      const order = (await c.api('GET', `/api/v1/certificate-orders/${report.ordersCreated[0]}`)).body;
      expect(order.state).toBe('failed');
      expect(order.orderUrl).toBeNull(); // the CA was never asked
      expect(order.problem.type).toBe('urn:portico:acme:precheck');
      expect(order.problem.failures[0]).toMatchObject({ agent: 'edge-1' });
      // One minute after the failure was recorded (the pre-check itself takes a while on a busy host).
      const failedAt = (order.steps as { at: string; step: string }[]).findLast(
        (s) => s.step === 'failed',
      )!.at;
      expect(new Date(order.nextAttemptAt).getTime() - new Date(failedAt).getTime()).toBe(60_000);
      expect(new Date(order.nextAttemptAt).getTime()).toBeGreaterThan(now.getTime() + 59_000);

      const after = (await c.api('GET', `/api/v1/certificates/${certificateId}`)).body;
      expect(after.serial).toBe(before.serial);
      expect(after.chainPem).toBe(before.chainPem);
      expect(after.lastRenewalError).toMatch(/pre-check failed.*\(\d+ days left\)/);
      const health = await c.prisma.healthState.findUnique({
        where: { checkKey: `certificate:${certificateId}:renewal` },
      });
      expect(health).toMatchObject({ status: 'degraded', subjectId: certificateId });
      expect((health!.detail as { daysLeft: number }).daysLeft).toBeGreaterThan(30);
      expect((await handshake(h2, 'www.acme.test')).cert.serialNumber.toUpperCase()).toBe(before.serial);

      // Not due yet: nothing runs (no retry storm); after a minute it runs again, then waits 2 min.
      expect((await c.app.get(RenewalScheduler).tick(new Date(now.getTime() + 30_000))).ordersRun).toEqual(
        [],
      );
      const retry = await c.app.get(RenewalScheduler).tick(new Date(now.getTime() + 61_000));
      expect(retry.ordersRun).toEqual([order.id]);
      const second = (await c.api('GET', `/api/v1/certificate-orders/${order.id}`)).body;
      expect(second).toMatchObject({ state: 'failed', attempts: 2 });
      expect(new Date(second.nextAttemptAt).getTime() - Date.now()).toBeGreaterThan(100_000);
    } finally {
      await h1.startProxy();
    }
    // Agent back: the retry succeeds and clears the warning.
    const order = (await c.api('GET', '/api/v1/certificate-orders', undefined)).body.items.find(
      (o: { state: string }) => o.state === 'failed',
    );
    const ok = await c.app.get(RenewalScheduler).tick(new Date(Date.now() + 5 * 60_000));
    expect(ok.ordersRun).toContain(order.id);
    expect((await c.api('GET', `/api/v1/certificate-orders/${order.id}`)).body.state).toBe('valid');
    expect(
      await c.prisma.healthState.findUnique({ where: { checkKey: `certificate:${certificateId}:renewal` } }),
    ).toBeNull();
    unsubscribe();
    const renewal = transitions.filter((t) => t.checkKey === `certificate:${certificateId}:renewal`);
    expect(renewal.map((t) => `${t.from}->${t.status}`)).toEqual(['unknown->degraded', 'degraded->up']);
  });

  it('pre-check: a site not deployed on one of its agents fails before the CA is asked, with a 1-minute backoff', async () => {
    // A third host that has never been deployed: nothing answers on its port 80.
    const h3 = await SshHost.start({ flavor: 'nginx', clientKey: fleet.clientKey });
    try {
      const a3 = (await createAgent(c, h3, 'edge-3', ports)).id;
      const ghost = await createSite(c, {
        name: 'ghost',
        hostnames: ['ghost.acme.test'],
        agentIds: [agents.a1, a3],
        upstreamPort: upstreamPort(),
      });
      const started = Date.now();
      const order = await issue(ghost.id);
      expect(order).toMatchObject({ state: 'failed', attempts: 1, orderUrl: null });
      expect(order.problem.type).toBe('urn:portico:acme:precheck');
      expect(order.problem.failures).toEqual([
        expect.objectContaining({ agent: 'edge-3', name: 'ghost.acme.test' }),
      ]);
      expect(new Date(order.nextAttemptAt).getTime() - started).toBeGreaterThanOrEqual(59_000);
      expect(stepsOf(order)).not.toContain('ordered');
      const again = await c.api('POST', '/api/v1/certificates/acme', { siteId: ghost.id, accountId });
      expect(again.status).toBe(409);
      expect(again.body.code).toBe('ORDER_IN_PROGRESS');
      expect(readdirSync(`${h1.configRoot}/acme/.well-known/acme-challenge`)).toEqual([]);
    } finally {
      await h3.stop();
    }
  });

  it('ARI: asks renewalInfo with the RFC 9773 id, waits for a future window, renews in a past one with replaces', async () => {
    const ariAccount = await c.api('POST', '/api/v1/acme-accounts', {
      directory: ari.directoryUrl,
      termsOfServiceAgreed: true,
    });
    expect(ariAccount.status).toBe(201);
    const site = await createSite(c, {
      name: 'ari',
      hostnames: ['ari.acme.test'],
      agentIds: [agents.a1],
      upstreamPort: upstreamPort(),
    });
    await rollout.deployAgents([agents.a1]);
    const order = await issue(site.id, ariAccount.body.id);
    expect(order.state).toBe('valid');
    const cert = (await c.api('GET', `/api/v1/certificates/${order.certificateId}`)).body;

    // The id, computed independently with openssl: base64url(AKI keyid) "." base64url(serial bytes).
    const leaf = cert.chainPem.split(/(?<=-----END CERTIFICATE-----)/)[0];
    const text = execFileSync('openssl', ['x509', '-noout', '-text'], { input: leaf, encoding: 'utf8' });
    const aki = /Authority Key Identifier:\s*\n\s*(?:keyid:)?([0-9A-F:]+)/.exec(text)![1]!.replace(/:/g, '');
    let serialHex = execFileSync('openssl', ['x509', '-noout', '-serial'], { input: leaf, encoding: 'utf8' })
      .trim()
      .replace('serial=', '');
    if (serialHex.length % 2) serialHex = `0${serialHex}`;
    if (Number.parseInt(serialHex.slice(0, 2), 16) >= 0x80) serialHex = `00${serialHex}`;
    const expectedId = `${Buffer.from(aki, 'hex').toString('base64url')}.${Buffer.from(serialHex, 'hex').toString('base64url')}`;
    expect(cert.ariCertId).toBe(expectedId);

    const scheduler = c.app.get(RenewalScheduler);
    const now = Date.now();
    const day = 86_400_000;
    ari.answer(expectedId, {
      start: new Date(now + 10 * day),
      end: new Date(now + 11 * day),
      retryAfterSec: 3600,
    });
    const waiting = await scheduler.tick(new Date(now));
    expect(ari.requests).toContain(expectedId);
    expect(waiting.ariChecked).toContain(cert.id);
    expect(waiting.ordersCreated).toEqual([]);
    const planned = (await c.api('GET', `/api/v1/certificates/${cert.id}`)).body;
    expect(new Date(planned.renewAfter).getTime()).toBeGreaterThanOrEqual(now + 10 * day);
    expect(new Date(planned.renewAfter).getTime()).toBeLessThanOrEqual(now + 11 * day);
    expect(new Date(planned.ariCheckAfter).getTime()).toBeCloseTo(now + 3600_000, -4);

    // Before Retry-After the CA is not asked again.
    const asked = ari.requests.length;
    await scheduler.tick(new Date(now + 60_000));
    expect(ari.requests.length).toBe(asked);

    // The CA moves the window into the past: renew now, naming the replaced certificate.
    ari.answer(expectedId, { start: new Date(now - 2 * day), end: new Date(now - day) });
    const renew = await scheduler.tick(new Date(now + 2 * 3600_000));
    expect(renew.ordersCreated).toHaveLength(1);
    const renewal = (await c.api('GET', `/api/v1/certificate-orders/${renew.ordersCreated[0]}`)).body;
    expect(renewal).toMatchObject({ kind: 'renew', state: 'valid', replaces: expectedId });
    const renewed = (await c.api('GET', `/api/v1/certificates/${cert.id}`)).body;
    expect(renewed.serial).not.toBe(cert.serial);
    expect(renewed.ariCertId).not.toBe(expectedId);
  });

  it('two API instances ticking at once renew a due certificate exactly once', async () => {
    const site = await c.prisma.site.findUniqueOrThrow({ where: { id: siteId } });
    const cert = await c.prisma.certificate.findUniqueOrThrow({ where: { id: site.certificateId! } });
    await c.prisma.certificate.update({
      where: { id: cert.id },
      data: { renewAfter: new Date(Date.now() - 1000) },
    });
    const second = await startApp(db.url, rollout, SECRET);
    try {
      const auditBefore = await c.prisma.auditEvent.count({
        where: { action: 'certificate.renew', targetId: cert.id },
      });
      const now = new Date();
      const [r1, r2] = await Promise.all([
        c.app.get(RenewalScheduler).tick(now),
        second.app.get(RenewalScheduler).tick(now),
      ]);
      expect(r1.ordersCreated.length + r2.ordersCreated.length).toBe(1);
      expect(r1.ordersRun.length + r2.ordersRun.length).toBe(1);
      const auditAfter = await c.prisma.auditEvent.count({
        where: { action: 'certificate.renew', targetId: cert.id },
      });
      expect(auditAfter - auditBefore).toBe(1);
      const orders = await c.prisma.certificateOrder.findMany({
        where: { certificateId: cert.id, kind: 'renew', createdAt: { gte: now } },
      });
      expect(orders).toHaveLength(1);
      expect(orders[0]!.state).toBe('valid');
    } finally {
      await second.close();
    }
  });

  it('revokes on key compromise at the CA and replaces it with a new key on every agent', async () => {
    const site = await c.prisma.site.findUniqueOrThrow({ where: { id: siteId } });
    const old = (await c.api('GET', `/api/v1/certificates/${site.certificateId}`)).body;
    const oldKey = (await handshake(h1, 'www.acme.test')).cert.pubkey;
    expect(oldKey?.length).toBeGreaterThan(0);

    const revoked = await c.api('POST', `/api/v1/certificates/${old.id}/revoke`, { reason: 'keyCompromise' });
    expect(revoked.status).toBe(200);
    expect(revoked.body).toMatchObject({
      status: 'revoked',
      replacements: [{ siteId, orderId: expect.any(String) }],
    });
    expect((await pebble.certStatus(old.serial)).Status).toBe('Revoked');

    const order = await waitForOrder(c, revoked.body.replacements[0].orderId);
    expect(order.state).toBe('valid');
    expect(order.certificateId).not.toBe(old.id);
    const fresh = (await c.api('GET', `/api/v1/certificates/${order.certificateId}`)).body;
    expect(fresh).toMatchObject({ status: 'valid', source: 'acme' });
    expect((await c.prisma.site.findUniqueOrThrow({ where: { id: siteId } })).certificateId).toBe(fresh.id);
    for (const host of [h1, h2]) {
      expect(await servedSerial(host, 'www.acme.test', fresh.serial)).toBe(fresh.serial);
      const tls = await handshake(host, 'www.acme.test');
      expect(tls.authorized).toBe(true);
      expect(tls.cert.pubkey?.toString('hex')).not.toBe(oldKey?.toString('hex'));
    }
    const audit = await c.prisma.auditEvent.findFirst({
      where: { action: 'certificate.revoke', targetId: old.id },
    });
    expect(JSON.stringify(audit?.after)).toContain('keyCompromise');
  });
});
