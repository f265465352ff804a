import { afterAll, beforeAll, describe, expect, it, jest } from '@jest/globals';
import { AcmeGateway } from '../../apps/api/src/modules/certificates/acme/acme.gateway.js';
import { Bind } from '../fixtures/bind.js';
import { Pebble } from '../fixtures/pebble.js';
import { freePort } from '../fixtures/ports.js';
import { type CertApp, createDatabase, startApp, waitForOrder } from './cert-harness.js';

jest.setTimeout(120_000);

// DNS-01 needs no agent: BIND is authoritative for dns01.test and is Pebble's resolver; Portico
// publishes the answers with RFC 2136 + TSIG. This Pebble also rejects 30 % of valid nonces.
let bind: Bind;
let pebble: Pebble;
let db: { url: string; drop: () => Promise<void> };
let c: CertApp;

beforeAll(async () => {
  bind = await Bind.start({ zone: 'dns01.test' });
  pebble = await Pebble.start({ httpPort: await freePort(), dnsPort: bind.port, nonceRejectPercent: 30 });
  AcmeGateway.trust(pebble.tlsCa);
  db = await createDatabase('dns01');
  c = await startApp(db.url);
  const account = await c.api('POST', '/api/v1/acme-accounts', {
    directory: pebble.directoryUrl,
    termsOfServiceAgreed: true,
  });
  expect(account.status).toBe(201);
});

afterAll(async () => {
  await c?.close();
  await db?.drop();
  await pebble?.stop();
  await bind?.stop();
});

async function acmeSite(name: string, hostnames: string[]) {
  return c.prisma.site.create({
    data: {
      name,
      tlsMode: 'acme',
      hostnames: { create: hostnames.map((hostname, position) => ({ hostname, position })) },
    },
  });
}

describe('DNS-01 with RFC 2136 against BIND, through Pebble', () => {
  it('a wildcard without a DNS provider is refused with a clear error', async () => {
    const site = await acmeSite('nowhere', ['*.nowhere.dns01.test']);
    const res = await c.api('POST', '/api/v1/certificates/acme', { siteId: site.id });
    expect(res.status).toBe(422);
    expect(res.body).toMatchObject({ code: 'DNS01_REQUIRED' });
    expect(res.body.message).toMatch(/\*\.nowhere\.dns01\.test needs dns-01.*no DNS provider/);
    const http = await c.api('POST', '/api/v1/certificates/acme', { siteId: site.id, challenge: 'http-01' });
    expect(http.body.code).toBe('DNS01_REQUIRED');
    expect(http.body.message).toMatch(/wildcard/);
  });

  it('issues a wildcard certificate through DNS-01 and removes the TXT records afterwards (nonces rejected on the way)', async () => {
    const provider = await c.api('POST', '/api/v1/dns-providers', {
      name: 'bind',
      kind: 'rfc2136',
      zone: 'dns01.test',
      server: '127.0.0.1',
      port: bind.port,
      tsigKeyName: bind.tsigKeyName,
      tsigSecret: bind.tsigSecret,
    });
    expect(provider.status).toBe(201);
    expect(JSON.stringify(provider.body)).not.toContain(bind.tsigSecret);

    const site = await acmeSite('wild', ['*.wild.dns01.test', 'wild.dns01.test']);
    const started = await c.api('POST', '/api/v1/certificates/acme', { siteId: site.id });
    expect(started.status).toBe(202);
    expect(started.body.challengeType).toBe('dns-01');
    const order = await waitForOrder(c, started.body.id);
    expect(order.problem).toBeNull();
    expect(order.state).toBe('valid');
    expect(order.steps.map((s: { step: string }) => s.step)).toContain('challenge_published');
    const cert = (await c.api('GET', `/api/v1/certificates/${order.certificateId}`)).body;
    expect(cert.domains.sort()).toEqual(['*.wild.dns01.test', 'wild.dns01.test']);
    expect(bind.dig('_acme-challenge.wild.dns01.test', 'TXT')).toEqual([]);
    // Pebble really rejected nonces and acme-client retried them.
    expect(pebble.log).toMatch(/badNonce|nonce/i);
  });

  it("a refused DNS update is stored as the order's problem and backs off", async () => {
    // A provider for a zone BIND does not serve: the update is refused, nothing reaches the CA.
    await c.api('POST', '/api/v1/dns-providers', {
      name: 'wrong',
      kind: 'rfc2136',
      zone: 'elsewhere.test',
      server: '127.0.0.1',
      port: bind.port,
      tsigKeyName: bind.tsigKeyName,
      tsigSecret: bind.tsigSecret,
    });
    const site = await acmeSite('elsewhere', ['*.elsewhere.test']);
    const started = await c.api('POST', '/api/v1/certificates/acme', { siteId: site.id });
    const order = await waitForOrder(c, started.body.id);
    expect(order.state).toBe('failed');
    expect(order.problem.detail).toMatch(/NOTAUTH|REFUSED|NOTZONE/);
    expect(new Date(order.nextAttemptAt).getTime()).toBeGreaterThan(Date.now() + 50_000);
  });
});
