import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import type { ApiClient } from '../support/api-client.js';
import { TestApp } from '../support/test-app.js';
import { TestDatabase } from '../support/test-database.js';

let db: TestDatabase;
let app: TestApp;
let anonymous: ApiClient;
let doc: {
  openapi: string;
  info: { title: string };
  paths: Record<
    string,
    Record<string, { parameters?: { name: string; in: string }[]; security?: unknown[] }>
  >;
  components: {
    schemas: Record<
      string,
      { properties: Record<string, unknown>; required?: string[]; additionalProperties?: unknown }
    >;
    securitySchemes: Record<string, Record<string, string>>;
  };
};

beforeAll(async () => {
  db = await TestDatabase.create('openapi');
  app = await TestApp.start({ databaseUrl: db.url });
  anonymous = app.client();
  doc = (await anonymous.get('/api/openapi.json')).body;
});

afterAll(async () => {
  await app?.stop();
  await db?.drop();
});

describe('OpenAPI document', () => {
  it('is served without authentication', async () => {
    const res = await anonymous.get('/api/openapi.json');
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toMatch(/application\/json/);
    expect(doc.openapi).toMatch(/^3\./);
    expect(doc.info.title).toBe('Portico API');
  });

  it('describes every resource endpoint of the API', () => {
    const ops = Object.entries(doc.paths).flatMap(([path, o]) =>
      Object.keys(o).map((m) => `${m.toUpperCase()} ${path}`),
    );
    const expected = [
      'GET /healthz',
      'POST /api/v1/auth/login',
      'POST /api/v1/auth/logout',
      'GET /api/v1/auth/me',
      'GET /api/v1/audit',
      'GET /api/v1/revision',
    ];
    for (const r of ['sites', 'upstreams', 'agents', 'services']) {
      expected.push(
        `GET /api/v1/${r}`,
        `POST /api/v1/${r}`,
        `GET /api/v1/${r}/{id}`,
        `PATCH /api/v1/${r}/{id}`,
        `DELETE /api/v1/${r}/{id}`,
      );
    }
    expected.push(
      'GET /api/v1/users',
      'POST /api/v1/users',
      'PATCH /api/v1/users/{id}',
      'DELETE /api/v1/users/{id}',
    );
    expected.push('GET /api/v1/tokens', 'POST /api/v1/tokens', 'DELETE /api/v1/tokens/{id}');
    expect(ops).toEqual(expect.arrayContaining(expected));
  });

  it('declares on every operation the permission it needs (x-required-permission)', async () => {
    const full = (await anonymous.get('/api/openapi.json')).body as {
      paths: Record<string, Record<string, { 'x-required-permission'?: string; security?: unknown[] }>>;
    };
    const ops = Object.entries(full.paths).flatMap(([path, o]) =>
      Object.entries(o).map(([method, op]) => ({
        op: `${method.toUpperCase()} ${path}`,
        permission: op['x-required-permission'],
        op_: op,
      })),
    );
    expect(ops.length).toBeGreaterThan(60);
    expect(
      ops
        .filter((o) => !['none', 'read', 'write', 'deploy', 'admin'].includes(o.permission ?? ''))
        .map((o) => o.op),
    ).toEqual([]);
    const permissionOf = (op: string) => ops.find((o) => o.op === op)?.permission;
    expect(permissionOf('POST /api/v1/auth/login')).toBe('none');
    expect(permissionOf('GET /healthz')).toBe('none');
    expect(permissionOf('GET /api/v1/sites')).toBe('read');
    expect(permissionOf('POST /api/v1/sites')).toBe('write');
    // A rule set once for a whole controller is published on each of its operations.
    expect(permissionOf('GET /api/v1/tokens')).toBe('admin');
    expect(permissionOf('GET /api/v1/users')).toBe('admin');
    // Public operations need no credentials; all others do.
    for (const o of ops)
      expect({ op: o.op, open: o.op_.security?.length === 0 }).toEqual({
        op: o.op,
        open: o.permission === 'none',
      });
  });

  it('documents request bodies from the same schemas that validate them', () => {
    const site = doc.components.schemas.CreateSite!;
    expect(site.required?.sort()).toEqual(['hostnames', 'name', 'routes']);
    expect(Object.keys(site.properties)).toEqual(
      expect.arrayContaining([
        'name',
        'hostnames',
        'routes',
        'tlsMode',
        'readTimeoutSec',
        'responseHeaders',
        'labels',
      ]),
    );
    // Unknown fields are refused, and the document says so.
    expect(site.additionalProperties).toBe(false);
    for (const name of [
      'UpdateSite',
      'CreateUpstream',
      'UpdateUpstream',
      'CreateAgent',
      'UpdateAgent',
      'CreateService',
      'UpdateService',
      'CreateUser',
      'UpdateUser',
      'CreateToken',
      'Login',
    ]) {
      expect({ name, present: doc.components.schemas[name] !== undefined }).toEqual({ name, present: true });
    }
    expect(Object.keys(doc.components.schemas.UpdateSite!.properties)).toContain('version');
    expect(doc.components.schemas.CreateAgent!.properties).not.toHaveProperty('sshKeyEncrypted');
  });

  it('documents paging, filters and path parameters', () => {
    const list = doc.paths['/api/v1/sites']!.get!.parameters!.map((p) => `${p.in}:${p.name}`);
    expect(list).toEqual(
      expect.arrayContaining(['query:limit', 'query:offset', 'query:label', 'query:hostname']),
    );
    expect(doc.paths['/api/v1/sites/{id}']!.patch!.parameters).toEqual(
      expect.arrayContaining([expect.objectContaining({ name: 'id', in: 'path' })]),
    );
  });

  it('names both ways to authenticate, and that liveness and login need neither', () => {
    expect(doc.components.securitySchemes.bearer).toMatchObject({ type: 'http', scheme: 'bearer' });
    expect(doc.components.securitySchemes.bearer!.bearerFormat).not.toBe('JWT');
    expect(doc.components.securitySchemes.cookie).toMatchObject({
      type: 'apiKey',
      in: 'cookie',
      name: 'portico_session',
    });
    expect(doc.paths['/healthz']!.get!.security).toEqual([]);
    expect(doc.paths['/api/v1/auth/login']!.post!.security).toEqual([]);
    expect(doc.paths['/api/v1/sites']!.post!.security).toBeUndefined();
  });

  it('resolves every $ref', () => {
    const refs = [...JSON.stringify(doc).matchAll(/"\$ref":"#\/components\/schemas\/([^"]+)"/g)].map(
      (m) => m[1]!,
    );
    expect(refs.length).toBeGreaterThan(10);
    for (const ref of refs)
      expect({ ref, found: ref in doc.components.schemas }).toEqual({ ref, found: true });
  });

  it('serves the interactive docs', async () => {
    const page = await anonymous.get('/api/docs');
    expect(page.status).toBe(200);
    expect(page.headers.get('content-type')).toMatch(/text\/html/);
    expect(page.text).toContain('swagger-ui');
    const init = await anonymous.get('/api/docs/swagger-ui-init.js');
    expect(init.status).toBe(200);
    expect(init.text).toContain('Portico API');
  });
});
