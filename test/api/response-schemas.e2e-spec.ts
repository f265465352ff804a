import { execFile } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { createTestPki } from '../fixtures/tls.js';
import type { ApiClient, ApiResponse } from '../support/api-client.js';
import { REPO_ROOT } from '../support/built-app.js';
import { agentDoc, serviceDoc, siteDoc, uniqueName, upstreamDoc } from '../support/factories.js';
import { type OpenApiDocument, ResponseSchemas } from '../support/response-schemas.js';
import { ADMIN, TestApp } from '../support/test-app.js';
import { TestDatabase } from '../support/test-database.js';

// Every answer of the running app, held to the schema its own OpenAPI document declares for that
// operation and status: the document is the one source the dashboard's types are generated from.

let db: TestDatabase;
let app: TestApp;
let admin: ApiClient;
let schemas: ResponseSchemas;
let workDir: string;

const MISSING = '00000000-0000-4000-8000-000000000000';

beforeAll(async () => {
  db = await TestDatabase.create('response_schemas');
  app = await TestApp.start({ databaseUrl: db.url });
  admin = await app.admin();
  const doc = (await admin.anonymous().get('/api/openapi.json')).body as OpenApiDocument;
  schemas = new ResponseSchemas(doc);
  workDir = await mkdtemp(join(tmpdir(), 'portico-response-schemas-'));
});

afterAll(async () => {
  await app?.stop();
  await db?.drop();
  if (workDir) await rm(workDir, { recursive: true, force: true });
});

/** Calls the API and expects the answer's status and that its body matches the declared schema. */
async function call(
  method: 'GET' | 'POST' | 'PATCH' | 'DELETE',
  path: string,
  template: string,
  expected: number | number[],
  body?: unknown,
  client: ApiClient = admin,
): Promise<ApiResponse> {
  const res = await client.request(method, path, { body, headers: {} });
  const statuses = Array.isArray(expected) ? expected : [expected];
  expect({ call: `${method} ${path}`, status: res.status, ok: statuses.includes(res.status) }).toEqual({
    call: `${method} ${path}`,
    status: res.status,
    ok: true,
  });
  expect(schemas.check(method, template, res)).toEqual([]);
  return res;
}

describe('the OpenAPI document', () => {
  it('declares a schema for every 2xx answer with a body, and the error body for 4XX', () => {
    const missing: string[] = [];
    for (const [path, ops] of Object.entries(schemas.doc.paths)) {
      for (const [method, op] of Object.entries(ops)) {
        const responses = op.responses ?? {};
        const success = Object.keys(responses).filter((s) => s.startsWith('2'));
        if (success.length === 0) missing.push(`${method} ${path}: no 2xx answer`);
        for (const status of success) {
          if (status === '204') continue;
          const content = responses[status]?.content ?? {};
          if (!Object.values(content).some((c) => c.schema)) missing.push(`${method} ${path} ${status}`);
        }
        if (!responses['4XX']?.content?.['application/json']?.schema) missing.push(`${method} ${path} 4XX`);
      }
    }
    expect(missing).toEqual([]);
  });

  it('declares views as strict objects, so an undeclared field fails and so does a missing one', async () => {
    const upstream = await call('POST', '/api/v1/upstreams', '/api/v1/upstreams', 201, upstreamDoc());
    const extra = { ...upstream.body, sshKeyEncrypted: 'leaked' };
    expect(schemas.problems('GET', '/api/v1/upstreams/{id}', 200, extra).join()).toMatch(
      /must NOT have additional properties/,
    );
    const { version: _, ...withoutVersion } = upstream.body;
    expect(schemas.problems('GET', '/api/v1/upstreams/{id}', 200, withoutVersion).join()).toMatch(
      /must have required property 'version'/,
    );
    const page = await call('GET', '/api/v1/upstreams', '/api/v1/upstreams', 200);
    const nested = { ...page.body, items: [{ ...page.body.items[0], extra: 1 }] };
    expect(schemas.problems('GET', '/api/v1/upstreams', 200, nested)).not.toEqual([]);
  });

  it('is what the dashboard was generated from (apps/web/src/api is not stale)', async () => {
    const served = join(workDir, 'openapi.json');
    await writeFile(served, JSON.stringify(schemas.doc));
    const run = promisify(execFile);
    const script = join(REPO_ROOT, 'apps/web/scripts/generate-client.mjs');
    const result = await run(process.execPath, [script, '--check', served], { cwd: REPO_ROOT }).catch(
      (error: { stdout?: string; stderr?: string }) => ({
        stdout: error.stdout,
        stderr: error.stderr,
        failed: true,
      }),
    );
    expect({ failed: 'failed' in result, stderr: result.stderr }).toEqual({ failed: false, stderr: '' });
  }, 120_000);
});

describe('answers match their declared schemas', () => {
  it('liveness, login, me, logout, revision', async () => {
    await call('GET', '/healthz', '/healthz', 200, undefined, admin.anonymous());
    await call('POST', '/api/v1/auth/login', '/api/v1/auth/login', 200, ADMIN, admin.anonymous());
    await call(
      'POST',
      '/api/v1/auth/login',
      '/api/v1/auth/login',
      401,
      { ...ADMIN, password: 'wrong-password-1' },
      admin.anonymous(),
    );
    await call('GET', '/api/v1/auth/me', '/api/v1/auth/me', 200);
    await call('GET', '/api/v1/auth/me', '/api/v1/auth/me', 401, undefined, admin.anonymous());
    const other = await admin.login(ADMIN.email, ADMIN.password);
    await call('POST', '/api/v1/auth/logout', '/api/v1/auth/logout', 204, undefined, other);
    await call('GET', '/api/v1/revision', '/api/v1/revision', 200);
  });

  it('upstreams, sites, services and agents: create, get, list, update, render, delete', async () => {
    const up = await call(
      'POST',
      '/api/v1/upstreams',
      '/api/v1/upstreams',
      201,
      upstreamDoc({ labels: { env: 'test' } }),
    );
    const upId = up.body.id;
    await call('GET', `/api/v1/upstreams/${upId}`, '/api/v1/upstreams/{id}', 200);
    await call('GET', '/api/v1/upstreams?label=env=test', '/api/v1/upstreams', 200);
    await call('PATCH', `/api/v1/upstreams/${upId}`, '/api/v1/upstreams/{id}', 200, { keepalive: 8 });
    await call('GET', `/api/v1/upstreams/${MISSING}`, '/api/v1/upstreams/{id}', 404);
    await call('POST', '/api/v1/upstreams', '/api/v1/upstreams', 400, { name: 'Bad Name!' });

    const agent = await call(
      'POST',
      '/api/v1/agents',
      '/api/v1/agents',
      201,
      agentDoc({ address: '127.0.0.1', sshPort: 1 }),
    );
    const agentId = agent.body.id;
    await call('GET', `/api/v1/agents/${agentId}`, '/api/v1/agents/{id}', 200);
    await call('GET', '/api/v1/agents', '/api/v1/agents', 200);
    await call('PATCH', `/api/v1/agents/${agentId}`, '/api/v1/agents/{id}', 200, { labels: { edge: 'yes' } });
    const keyed = await call(
      'POST',
      '/api/v1/agents',
      '/api/v1/agents',
      201,
      agentDoc({ generateKey: true }),
    );

    const site = await call(
      'POST',
      '/api/v1/sites',
      '/api/v1/sites',
      201,
      siteDoc(up.body.name, { agents: [agent.body.name], responseHeaders: [{ name: 'X-Test', value: '1' }] }),
    );
    const siteId = site.body.id;
    await call('GET', `/api/v1/sites/${siteId}`, '/api/v1/sites/{id}', 200);
    await call('GET', '/api/v1/sites', '/api/v1/sites', 200);
    await call('PATCH', `/api/v1/sites/${siteId}`, '/api/v1/sites/{id}', 200, { hsts: true });
    await call('PATCH', `/api/v1/sites/${siteId}`, '/api/v1/sites/{id}', 409, { hsts: false, version: 1 });
    await call('GET', `/api/v1/sites/${siteId}/render`, '/api/v1/sites/{id}/render', 200);
    await call('GET', `/api/v1/sites/${siteId}/render?flavor=apache`, '/api/v1/sites/{id}/render', 200);
    await call(
      'POST',
      '/api/v1/sites/render-preview',
      '/api/v1/sites/render-preview',
      200,
      siteDoc(up.body.name),
    );
    await call('GET', `/api/v1/agents/${agentId}/render`, '/api/v1/agents/{id}/render', 200);

    const svc = await call(
      'POST',
      '/api/v1/services',
      '/api/v1/services',
      201,
      serviceDoc({ agents: [agent.body.name] }),
    );
    const svcId = svc.body.id;
    await call('GET', `/api/v1/services/${svcId}`, '/api/v1/services/{id}', 200);
    await call('GET', '/api/v1/services', '/api/v1/services', 200);
    await call('PATCH', `/api/v1/services/${svcId}`, '/api/v1/services/{id}', 200, {
      description: 'a test unit',
    });
    await call('GET', `/api/v1/services/${svcId}/render`, '/api/v1/services/{id}/render', 200);
    await call(
      'POST',
      '/api/v1/services/render-preview',
      '/api/v1/services/render-preview',
      200,
      serviceDoc(),
    );

    await call('DELETE', `/api/v1/services/${svcId}`, '/api/v1/services/{id}', 204);
    await call('DELETE', `/api/v1/sites/${siteId}`, '/api/v1/sites/{id}', 204);
    await call('DELETE', `/api/v1/upstreams/${upId}`, '/api/v1/upstreams/{id}', 204);
    await call('DELETE', `/api/v1/agents/${keyed.body.id}`, '/api/v1/agents/{id}', 204);
  });

  it('agent hosts, deployments, drift and the doctor (against a port nothing listens on)', async () => {
    const up = await call('POST', '/api/v1/upstreams', '/api/v1/upstreams', 201, upstreamDoc());
    const agent = await call(
      'POST',
      '/api/v1/agents',
      '/api/v1/agents',
      201,
      agentDoc({ address: '127.0.0.1', sshPort: 1, generateKey: true }),
    );
    const agentId = agent.body.id;
    const site = await call(
      'POST',
      '/api/v1/sites',
      '/api/v1/sites',
      201,
      siteDoc(up.body.name, { agents: [agent.body.name] }),
    );

    await call('POST', `/api/v1/agents/${agentId}/test`, '/api/v1/agents/{id}/test', 200);
    await call(
      'POST',
      `/api/v1/agents/${agentId}/accept-host-key`,
      '/api/v1/agents/{id}/accept-host-key',
      [400, 409],
      {
        fingerprint: 'SHA256:AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA',
      },
    );
    await call('POST', `/api/v1/agents/${agentId}/import`, '/api/v1/agents/{id}/import', [200, 502, 503]);
    await call('GET', `/api/v1/agents/${agentId}/drift`, '/api/v1/agents/{id}/drift', [200, 502, 503]);

    const finished = await call('POST', '/api/v1/deployments', '/api/v1/deployments', 200, {
      agents: [agent.body.name],
      wait: 120,
    });
    await call('GET', `/api/v1/deployments/${finished.body.id}`, '/api/v1/deployments/{id}', 200);
    await call('GET', '/api/v1/deployments', '/api/v1/deployments', 200);
    await call(
      'POST',
      `/api/v1/deployments/${finished.body.id}/rollback`,
      '/api/v1/deployments/{id}/rollback',
      [200, 202, 409],
    );
    const started = await call('POST', '/api/v1/deployments', '/api/v1/deployments', [202, 200], {
      all: true,
    });
    await call('GET', `/api/v1/deployments/${started.body.id}`, '/api/v1/deployments/{id}', 200);

    await call('POST', `/api/v1/sites/${site.body.id}/doctor`, '/api/v1/sites/{id}/doctor', 200);
  }, 240_000);

  it('health: current, events, history, runtime', async () => {
    await call('GET', '/api/v1/health', '/api/v1/health', 200);
    await call('GET', '/api/v1/health/events', '/api/v1/health/events', 200);
    const up = await call('POST', '/api/v1/upstreams', '/api/v1/upstreams', 201, upstreamDoc());
    await call(
      'GET',
      `/api/v1/health/history?subjectType=upstream&subjectId=${up.body.id}`,
      '/api/v1/health/history',
      200,
    );
    await call('GET', '/api/v1/health/runtime', '/api/v1/health/runtime', 200);
  });

  it('certificates, orders, ACME accounts, DNS providers and policies', async () => {
    const name = uniqueName('tls');
    const pki = createTestPki(join(workDir, 'pki'), [`${name}.example.test`]);
    const cert = await call('POST', '/api/v1/certificates', '/api/v1/certificates', 201, {
      chainPem: pki.chainPem,
      keyPem: pki.keyPem,
      caPem: pki.caPem,
    });
    await call('GET', `/api/v1/certificates/${cert.body.id}`, '/api/v1/certificates/{id}', 200);
    await call('GET', '/api/v1/certificates', '/api/v1/certificates', 200);
    await call(
      'POST',
      `/api/v1/certificates/${cert.body.id}/revoke`,
      '/api/v1/certificates/{id}/revoke',
      [200, 400, 409],
      {},
    );
    await call('POST', '/api/v1/certificates/acme', '/api/v1/certificates/acme', [400, 404, 409], {
      siteId: MISSING,
    });
    await call('GET', '/api/v1/certificate-orders', '/api/v1/certificate-orders', 200);
    await call(
      'GET',
      `/api/v1/certificate-orders?certificateId=${cert.body.id}`,
      '/api/v1/certificate-orders',
      200,
    );
    await call('GET', `/api/v1/certificate-orders/${MISSING}`, '/api/v1/certificate-orders/{id}', 404);
    await call('GET', '/api/v1/acme-accounts', '/api/v1/acme-accounts', 200);
    await call('POST', '/api/v1/dns-providers', '/api/v1/dns-providers', 201, {
      name: uniqueName('dns'),
      kind: 'rfc2136',
      zone: `${name}.example.test`,
      server: '127.0.0.1',
      tsigKeyName: 'portico-test',
      tsigSecret: Buffer.from('a test secret of some length').toString('base64'),
    });
    await call('GET', '/api/v1/dns-providers', '/api/v1/dns-providers', 200);
    await call('GET', '/api/v1/certificate-policies', '/api/v1/certificate-policies', 200);
    await call('POST', '/api/v1/certificate-policies', '/api/v1/certificate-policies', 400, {
      name: uniqueName('policy'),
      directory: 'letsencrypt-staging',
    });
    await call('GET', `/api/v1/certificate-policies/${MISSING}`, '/api/v1/certificate-policies/{id}', 404);
    await call('PATCH', `/api/v1/certificate-policies/${MISSING}`, '/api/v1/certificate-policies/{id}', 404, {
      autoIssue: false,
    });
    await call('DELETE', `/api/v1/certificate-policies/${MISSING}`, '/api/v1/certificate-policies/{id}', 404);
    // A directory that answers 404: the account cannot be registered, and the answer says why.
    const notAcme = createServer((_req, res) => res.writeHead(404).end('{}'));
    await new Promise<void>((resolve) => notAcme.listen(0, '127.0.0.1', resolve));
    const { port } = notAcme.address() as AddressInfo;
    try {
      await call('POST', '/api/v1/acme-accounts', '/api/v1/acme-accounts', [400, 422, 502, 503], {
        directory: `http://127.0.0.1:${port}/directory`,
        termsOfServiceAgreed: true,
      });
    } finally {
      notAcme.close();
    }
  });

  it('users, tokens and the audit trail', async () => {
    const user = await call('POST', '/api/v1/users', '/api/v1/users', 201, {
      email: `${uniqueName('u')}@portico.test`,
      password: 'a-long-enough-password-1',
      role: 'viewer',
    });
    await call('GET', '/api/v1/users', '/api/v1/users', 200);
    await call('PATCH', `/api/v1/users/${user.body.id}`, '/api/v1/users/{id}', 200, { role: 'operator' });
    const token = await call('POST', '/api/v1/tokens', '/api/v1/tokens', 201, {
      name: 'ci',
      scopes: ['read'],
    });
    await call('GET', '/api/v1/tokens', '/api/v1/tokens', 200);
    await call('GET', '/api/v1/sites', '/api/v1/sites', 200, undefined, admin.withBearer(token.body.token));
    await call('POST', '/api/v1/sites', '/api/v1/sites', 403, {}, admin.withBearer(token.body.token));
    await call('DELETE', `/api/v1/tokens/${token.body.id}`, '/api/v1/tokens/{id}', 204);
    await call('DELETE', `/api/v1/users/${user.body.id}`, '/api/v1/users/{id}', 204);
    await call('GET', '/api/v1/audit', '/api/v1/audit', 200);
    await call('GET', '/api/v1/audit?targetType=site', '/api/v1/audit', 200);
  });

  it('apply, export, backup and restore', async () => {
    const exported = await call('GET', '/api/v1/export', '/api/v1/export', 200);
    // The whole state as exported, plus one upstream: a plan with one create.
    const doc = {
      ...exported.body,
      upstreams: [
        ...exported.body.upstreams,
        { name: uniqueName('doc-up'), targets: [{ host: '10.0.0.20', port: 80 }] },
      ],
    };
    const plan = await call('POST', '/api/v1/apply?dryRun=true', '/api/v1/apply', 200, doc);
    expect(plan.body.summary.create).toBe(1);
    await call('POST', '/api/v1/apply', '/api/v1/apply', 200, doc);
    await call('POST', '/api/v1/apply', '/api/v1/apply', 400, { apiVersion: 'portico/v0' });
    const backup = await call('GET', '/api/v1/backup', '/api/v1/backup', 200);
    await call('POST', '/api/v1/restore', '/api/v1/restore', 409, backup.body);
    await call('POST', '/api/v1/restore?force=true', '/api/v1/restore', 200, backup.body);
  }, 120_000);

  it('covered every documented operation', () => {
    const documented = Object.entries(schemas.doc.paths).flatMap(([path, ops]) =>
      Object.keys(ops).map((m) => `${m.toUpperCase()} ${path}`),
    );
    const unexercised = documented.filter((op) => !schemas.exercised.has(op));
    expect(unexercised).toEqual([]);
  });
});
