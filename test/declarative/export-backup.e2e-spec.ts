import { randomBytes, randomUUID } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import pg from 'pg';
import { parse } from 'yaml';
import { createTestPki } from '../fixtures/tls.js';
import { until } from '../fleet/fleet-app.js';
import type { ApiClient } from '../support/api-client.js';
import { createToken, createUser } from '../support/role-clients.js';
import { TestApp } from '../support/test-app.js';
import { TestDatabase } from '../support/test-database.js';
import { fleetDocument } from './fleet-document.js';

// Three Portico instances: A holds a fleet; B gets A's export applied (round trip); C is a
// fresh database that A's backup is restored into, with A's master key.
const KEY = randomBytes(32).toString('hex');
let dbA: TestDatabase;
let dbB: TestDatabase;
let dbC: TestDatabase;
let a: TestApp;
let b: TestApp;
let c: TestApp;
let adminA: ApiClient;
let adminB: ApiClient;
let pkiDir: string;
const CERT_ID = randomUUID();
const ORDER_ID = randomUUID();
const ACCOUNT_ID = randomUUID();

beforeAll(async () => {
  [dbA, dbB, dbC] = await Promise.all([
    TestDatabase.create('decl_a'),
    TestDatabase.create('decl_b'),
    TestDatabase.create('decl_c'),
  ]);
  [a, b, c] = await Promise.all([
    TestApp.start({ databaseUrl: dbA.url, env: { PORTICO_SECRET_KEY: KEY } }),
    TestApp.start({ databaseUrl: dbB.url }),
    TestApp.start({ databaseUrl: dbC.url, env: { PORTICO_SECRET_KEY: KEY } }),
  ]);
  adminA = await a.admin();
  adminB = await b.admin();
  pkiDir = mkdtempSync(join(tmpdir(), 'portico-decl-pki-'));
});

afterAll(async () => {
  await Promise.all([a?.stop(), b?.stop(), c?.stop()]);
  await Promise.all([dbA?.drop(), dbB?.drop(), dbC?.drop()]);
  rmSync(pkiDir, { recursive: true, force: true });
});

/** agent name -> render hash, through the preview endpoint (what a deployment would ship). */
async function renderHashes(client: ApiClient): Promise<Record<string, string>> {
  const agents = (await client.get('/api/v1/agents?limit=500')).body.items as { id: string; name: string }[];
  const out: Record<string, string> = {};
  for (const agent of agents) {
    const res = await client.get(`/api/v1/agents/${agent.id}/render`);
    expect(res.status).toBe(200);
    out[agent.name] = res.body.hash;
  }
  return out;
}

/** A certificate with its ACME account and order history, written as the certificates feature would. */
async function seedCertificate(db: TestDatabase, hostname: string, pki: { chainPem: string }) {
  await db.query(
    `INSERT INTO "AcmeAccount" (id, "directoryUrl", "keyEncrypted", "updatedAt") VALUES ($1, 'https://ca.test/dir', 'v1.sealed.account.key', now())`,
    [ACCOUNT_ID],
  );
  await db.query(
    `INSERT INTO "Certificate" (id, domains, source, status, "chainPem", "keyEncrypted", "notAfter", "accountId", "updatedAt")
     VALUES ($1, $2, 'acme', 'valid', $3, 'v1.sealed.cert.key', now() + interval '30 days', $4, now())`,
    [CERT_ID, [hostname], pki.chainPem, ACCOUNT_ID],
  );
  await db.query(
    `INSERT INTO "CertificateOrder" (id, "certificateId", "accountId", kind, "challengeType", domains, state, steps, "updatedAt", "finishedAt")
     VALUES ($1, $2, $3, 'issue', 'http-01', $4, 'valid', '[{"at":"2026-01-01T00:00:00Z","step":"issued"}]', now(), now())`,
    [ORDER_ID, CERT_ID, ACCOUNT_ID, [hostname]],
  );
}

const sortedRows = (rows: unknown[]) => rows.map((r) => JSON.stringify(r)).sort();

describe('export and round trip', () => {
  it('exports the whole state, and applying the export to an empty Portico reproduces it', async () => {
    const { doc, names } = fleetDocument();
    const shopHost = `${names.shop}.example.test`;
    const pki = createTestPki(pkiDir, [shopHost]);
    await seedCertificate(dbA, shopHost, pki);
    (doc.sites[0] as Record<string, unknown>).tlsMode = 'uploaded';
    (doc.sites[0] as Record<string, unknown>).certificateId = CERT_ID;
    const applied = await adminA.post('/api/v1/apply', doc);
    expect(applied.status).toBe(200);
    // A key the document never carries: kept by export/apply, carried by backup.
    const keyed = await adminA.post('/api/v1/agents', {
      name: `${names.edge}-keyed`,
      address: '192.0.2.12',
      generateKey: true,
    });
    expect(keyed.status).toBe(201);

    const json = await adminA.get('/api/v1/export');
    expect(json.status).toBe(200);
    expect(json.headers.get('x-portico-revision')).toBe(
      String((await adminA.get('/api/v1/revision')).body.revision),
    );
    expect(json.body.apiVersion).toBe('portico/v1');
    expect(json.body.agents.map((x: { name: string }) => x.name)).toEqual([
      names.apache,
      names.edge,
      `${names.edge}-keyed`,
    ]);
    expect(JSON.stringify(json.body)).not.toMatch(/privateKey|sshKeyEncrypted|BEGIN OPENSSH/);
    expect(json.body.agents[0].hostOverrides).toEqual({ units: null, keepRevisions: 3 });
    const apacheAgent = (await adminA.get(`/api/v1/agents?q=${names.apache}`)).body.items[0];
    expect(apacheAgent.hostOverrides).toEqual({ units: null, keepRevisions: 3 });
    const yaml = await adminA.get('/api/v1/export?format=yaml');
    expect(yaml.headers.get('content-type')).toContain('application/yaml');
    expect(parse(yaml.text)).toEqual(json.body);

    // B needs the certificate the document references (certificates are referenced, not exported).
    await seedCertificate(dbB, shopHost, pki);
    const onB = await adminB.post('/api/v1/apply', json.body);
    expect(onB.status).toBe(200);
    expect(onB.body.summary).toMatchObject({ create: 8, update: 0, delete: 0 });
    expect((await adminB.get('/api/v1/export')).body).toEqual(json.body);
    const onBAgent = (await adminB.get(`/api/v1/agents?q=${names.apache}`)).body.items[0];
    expect(onBAgent.hostOverrides).toEqual({ units: null, keepRevisions: 3 });
    expect(await renderHashes(adminB)).toEqual(await renderHashes(adminA));
    const again = await adminB.post('/api/v1/apply', json.body);
    expect(again.body).toMatchObject({ applied: false, changes: [] });
  });
});

describe('backup and restore', () => {
  it('is admin only', async () => {
    const op = await createUser(adminA, 'operator');
    const opClient = await adminA.login(op.email, op.password);
    expect((await opClient.get('/api/v1/backup')).status).toBe(403);
    expect((await opClient.post('/api/v1/restore', {})).status).toBe(403);
  });

  it('restores everything into a fresh database, and the restored Portico renders identical files', async () => {
    const token = await createToken(adminA, ['read', 'write', 'deploy', 'admin']);
    const res = await token.client.get('/api/v1/backup');
    expect(res.status).toBe(200);
    expect(res.headers.get('content-disposition')).toContain('portico-backup-');
    const backup = res.body;
    expect(backup).toMatchObject({ format: 'portico-backup', version: 1 });
    expect(backup.tables.Session).toBeUndefined();
    expect(backup.tables.CertificateOrder).toHaveLength(1);
    expect(
      backup.tables.Agent.some((x: { sshKeyEncrypted: string | null }) =>
        x.sshKeyEncrypted?.startsWith('v1.'),
      ),
    ).toBe(true);

    // Not into a Portico that already has state, and not with another master key.
    const raw = JSON.stringify(backup);
    const octet = { 'content-type': 'application/octet-stream' };
    const intoA = await token.client.request('POST', '/api/v1/restore', { raw, headers: octet });
    expect(intoA.status).toBe(409);
    expect(intoA.body.code).toBe('RESTORE_NOT_EMPTY');
    const otherKey = await adminB.request('POST', '/api/v1/restore', { raw, headers: octet });
    expect(otherKey.status).toBe(422);
    expect(otherKey.body.code).toBe('BACKUP_INCOMPATIBLE');
    expect(
      (await adminB.request('POST', '/api/v1/restore', { raw: '{"nope":1}', headers: octet })).body.code,
    ).toBe('BACKUP_INVALID');

    const adminC = await c.admin();
    const restored = await adminC.request('POST', '/api/v1/restore', { raw, headers: octet });
    expect(restored.status).toBe(200);
    expect(restored.body.tables.Agent).toBe(backup.tables.Agent.length);

    // C now holds A's users and tokens: A's token works there; old sessions of C do not.
    expect((await adminC.get('/api/v1/revision')).status).toBe(401);
    const viaToken = c.client().withBearer(token.token);
    expect((await viaToken.get('/api/v1/revision')).body).toEqual(
      (await adminA.get('/api/v1/revision')).body,
    );
    expect(await renderHashes(viaToken)).toEqual(await renderHashes(adminA));
    const agentsA = (await adminA.get('/api/v1/agents?limit=500')).body.items;
    const agentsC = (await viaToken.get('/api/v1/agents?limit=500')).body.items;
    expect(agentsC).toEqual(agentsA);
    expect(agentsC.some((x: { hasPrivateKey: boolean }) => x.hasPrivateKey)).toBe(true);
    expect((await viaToken.get('/api/v1/export')).body).toEqual((await adminA.get('/api/v1/export')).body);

    const again = (await viaToken.get('/api/v1/backup')).body;
    for (const table of [
      'Agent',
      'Site',
      'SiteHostname',
      'Route',
      'Upstream',
      'Service',
      'ServicePlacement',
      'SitePlacement',
      'CertificateOrder',
      'AcmeAccount',
      'User',
      'FleetRevision',
    ]) {
      expect({ table, rows: sortedRows(again.tables[table]) }).toEqual({
        table,
        rows: sortedRows(backup.tables[table]),
      });
    }
    // Tokens come back whole (lastUsedAt moves as the token is used on C).
    const strip = (rows: { lastUsedAt?: unknown }[]) => sortedRows(rows.map(({ lastUsedAt: _, ...r }) => r));
    expect(strip(again.tables.ApiToken)).toEqual(strip(backup.tables.ApiToken));
    const cert = again.tables.Certificate.find((x: { id: string }) => x.id === CERT_ID);
    expect(cert).toMatchObject({ keyEncrypted: 'v1.sealed.cert.key', status: 'valid' });
    expect(again.tables.AuditEvent.length).toBe(backup.tables.AuditEvent.length + 1);
  });

  it('a restore that Postgres aborts to break a deadlock is redone, not answered with 500', async () => {
    // Probes write health rows while a restore truncates every table in turn. Here a second
    // session plays the probe: it holds Session (truncated last), and once the restore queues
    // behind it, asks for Agent, which the restore already holds. Postgres aborts whichever of the
    // two checks first; the scenario counts only when the restore was the one aborted (the probe
    // then gets Agent), so it is played until that happens.
    const raw = JSON.stringify((await adminA.get('/api/v1/backup')).body);
    // A restore replaces C's users and tokens: each round signs in again (A's admin is C's now).
    const restoreOnC = async () =>
      (await c.admin()).request('POST', '/api/v1/restore?force=true', {
        raw,
        headers: { 'content-type': 'application/octet-stream' },
      });
    for (let round = 1; ; round++) {
      const probe = new pg.Client({ connectionString: dbC.url });
      await probe.connect();
      try {
        await probe.query(`SET deadlock_timeout = '5s'`);
        await probe.query('BEGIN');
        await probe.query('LOCK TABLE "Session" IN ROW EXCLUSIVE MODE');
        let settled = false;
        const restoring = restoreOnC().finally(() => {
          settled = true;
        });
        await until(async () => {
          if (settled) throw new Error(`the restore ended without waiting: ${(await restoring).text}`);
          const waiting = await dbC.query(
            `SELECT 1 FROM pg_locks l JOIN pg_class t ON t.oid = l.relation
             WHERE t.relname = 'Session' AND NOT l.granted`,
          );
          return waiting.length > 0;
        }, 120_000);
        const probeWon = await probe.query('LOCK TABLE "Agent" IN ROW EXCLUSIVE MODE').then(
          () => true,
          () => false,
        );
        await probe.query(probeWon ? 'COMMIT' : 'ROLLBACK');
        const restored = await restoring;
        expect(restored.status).toBe(200);
        expect(restored.body.tables.Agent).toBeGreaterThan(0);
        if (probeWon || round === 5) {
          expect(probeWon).toBe(true);
          return;
        }
      } finally {
        await probe.end();
      }
    }
  }, 300_000);
});
