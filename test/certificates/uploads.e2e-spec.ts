import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { createTestPki, type TestPki } from '../fixtures/tls.js';
import { type CertApp, createDatabase, startApp } from './cert-harness.js';

let dir: string;
let pki: TestPki;
let other: TestPki;
let db: { url: string; drop: () => Promise<void> };
let c: CertApp;

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'portico-upload-'));
  pki = createTestPki(join(dir, 'a'), ['shop.upload.test', 'www.upload.test']);
  other = createTestPki(join(dir, 'b'), ['other.upload.test']);
  db = await createDatabase('uploads');
  c = await startApp(db.url);
});

afterAll(async () => {
  await c?.close();
  await db?.drop();
  rmSync(dir, { recursive: true, force: true });
});

const blocks = (pem: string) => pem.match(/-----BEGIN CERTIFICATE-----[\s\S]+?-----END CERTIFICATE-----/g)!;

async function site(name: string, hostnames: string[]) {
  return c.prisma.site.create({
    data: { name, hostnames: { create: hostnames.map((hostname, position) => ({ hostname, position })) } },
  });
}

async function rejected(body: Record<string, unknown>) {
  const res = await c.api('POST', '/api/v1/certificates', body);
  expect(res.status).toBe(400);
  expect(res.body.code).toBe('CERTIFICATE_REJECTED');
  return res.body as { message: string; details: { reason: string } & Record<string, unknown> };
}

describe('POST /api/v1/certificates (uploads)', () => {
  it('stores a good chain and key, attaches it to the site, bumps the revision, never returns the key', async () => {
    const s = await site('shop', ['shop.upload.test', 'www.upload.test']);
    const revision = (await c.prisma.fleetRevision.findUnique({ where: { id: 1 } }))?.revision ?? 0;
    const res = await c.api('POST', '/api/v1/certificates', {
      chainPem: pki.chainPem,
      keyPem: pki.keyPem,
      caPem: pki.caPem,
      siteId: s.id,
    });
    expect(res.status).toBe(201);
    expect(res.body).toMatchObject({ source: 'uploaded', status: 'valid', hasKey: true });
    expect(res.body.domains).toEqual(['shop.upload.test', 'www.upload.test']);
    expect(res.body.issuer).toContain('Portico Test Intermediate');
    expect(res.body.daysLeft).toBeGreaterThanOrEqual(28);
    expect(JSON.stringify(res.body)).not.toMatch(/PRIVATE KEY|keyEncrypted/);
    const listed = await c.api('GET', '/api/v1/certificates');
    expect(JSON.stringify(listed.body)).not.toMatch(/PRIVATE KEY|keyEncrypted/);
    const row = await c.prisma.site.findUniqueOrThrow({ where: { id: s.id } });
    expect(row).toMatchObject({ certificateId: res.body.id, tlsMode: 'uploaded' });
    expect((await c.prisma.fleetRevision.findUnique({ where: { id: 1 } }))!.revision).toBe(revision + 1);
    const stored = await c.prisma.certificate.findUniqueOrThrow({ where: { id: res.body.id } });
    expect(stored.keyEncrypted).not.toContain('PRIVATE KEY');
    expect(c.secrets.open(stored.keyEncrypted!)).toBe(pki.keyPem);
    const audit = await c.prisma.auditEvent.findMany({ where: { targetId: res.body.id } });
    expect(audit.map((a) => a.action)).toEqual(['certificate.upload']);
    expect(JSON.stringify(audit)).not.toContain('PRIVATE KEY');
  });

  it('rejects a key that does not belong to the certificate', async () => {
    const body = await rejected({ chainPem: pki.chainPem, keyPem: other.keyPem });
    expect(body.details.reason).toBe('KEY_MISMATCH');
  });

  it('rejects a chain in the wrong order', async () => {
    const [leaf, intermediate] = blocks(pki.chainPem);
    const body2 = await rejected({
      chainPem: `${leaf}\n${pki.caPem}\n${intermediate}\n`,
      keyPem: pki.keyPem,
    });
    expect(body2.details.reason).toBe('CHAIN_ORDER');
    expect(body2.message).toMatch(/certificate 1 is issued by certificate 3/);
  });

  it('rejects a chain missing its intermediate (detectable against the given CA)', async () => {
    const [leaf] = blocks(pki.chainPem);
    const body = await rejected({ chainPem: leaf, keyPem: pki.keyPem, caPem: pki.caPem });
    expect(body.details.reason).toBe('MISSING_INTERMEDIATE');
    expect(body.message).toMatch(/Portico Test Intermediate.*append the intermediate/);
  });

  it('rejects something that is not a certificate, and an unparsable key', async () => {
    expect((await rejected({ chainPem: 'hello', keyPem: pki.keyPem })).details.reason).toBe(
      'NOT_A_CERTIFICATE',
    );
    const broken = pki.chainPem.replace(
      /-----BEGIN CERTIFICATE-----\n.{10}/,
      '-----BEGIN CERTIFICATE-----\nAAAAAAAAAA',
    );
    expect((await rejected({ chainPem: broken, keyPem: pki.keyPem })).details.reason).toBe(
      'NOT_A_CERTIFICATE',
    );
    expect((await rejected({ chainPem: pki.chainPem, keyPem: 'nope' })).details.reason).toBe('KEY_INVALID');
  });

  it("rejects a certificate whose SANs do not cover the site's hostnames", async () => {
    const s = await site('bigger', ['api.upload.test', 'other.upload.test']);
    const body = await rejected({ chainPem: other.chainPem, keyPem: other.keyPem, siteId: s.id });
    expect(body.details).toMatchObject({ reason: 'HOSTNAMES_NOT_COVERED', missing: ['api.upload.test'] });
    expect((await c.prisma.site.findUniqueOrThrow({ where: { id: s.id } })).certificateId).toBeNull();
  });

  it('validates the body strictly (unknown fields, missing key)', async () => {
    const res = await c.api('POST', '/api/v1/certificates', { chainPem: pki.chainPem, extra: 1 });
    expect(res.status).toBe(400);
    expect(res.body.code).toBe('VALIDATION_FAILED');
  });
});
