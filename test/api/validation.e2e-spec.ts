import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import type { ApiClient } from '../support/api-client.js';
import { agentDoc, serviceDoc, siteDoc, uniqueName, upstreamDoc } from '../support/factories.js';
import { TestApp } from '../support/test-app.js';
import { TestDatabase } from '../support/test-database.js';

// Every field rule, attacked with what ends up in nginx, Apache and systemd syntax when it slips
// through: line breaks, `;`, braces, quotes, variables, Unicode, overlong values, wrong types and
// unknown fields. Each case must be a 400 that names the field, and must store nothing.

let db: TestDatabase;
let app: TestApp;
let admin: ApiClient;
let upstream: string;

beforeAll(async () => {
  db = await TestDatabase.create('validation');
  app = await TestApp.start({ databaseUrl: db.url });
  admin = await app.admin();
  upstream = (await admin.post('/api/v1/upstreams', upstreamDoc())).body.name;
});

afterAll(async () => {
  await app?.stop();
  await db?.drop();
});

type Resource = 'sites' | 'upstreams' | 'agents' | 'services' | 'users' | 'tokens';
type Case = [description: string, resource: Resource, overrides: Record<string, unknown>, field: string];

const doc = (resource: Resource, overrides: Record<string, unknown>): Record<string, unknown> => {
  switch (resource) {
    case 'sites':
      return { ...siteDoc(upstream), ...overrides };
    case 'upstreams':
      return { ...upstreamDoc(), ...overrides };
    case 'agents':
      return { ...agentDoc(), ...overrides };
    case 'services':
      return { ...serviceDoc(), ...overrides };
    case 'users':
      return { email: `${uniqueName('u')}@portico.test`, password: 'long-enough-password', ...overrides };
    case 'tokens':
      return { name: 'ci', scopes: ['read'], ...overrides };
  }
};

const route = (pathPrefix: string) => ({ routes: [{ pathPrefix, upstream: 'placeholder' }] });
const header = (name: string, value: string) => ({ responseHeaders: [{ name, value }] });
const target = (t: Record<string, unknown>) => ({ targets: [{ host: '10.0.0.1', port: 80, ...t }] });

const CASES: Case[] = [
  // Hostnames: RFC 1123, a wildcard only as the whole first label.
  ['hostname with CR/LF', 'sites', { hostnames: ['a.example.test\r\nserver_name evil'] }, 'hostnames.0'],
  ['hostname with ;', 'sites', { hostnames: ['a.example.test;'] }, 'hostnames.0'],
  ['hostname with braces', 'sites', { hostnames: ['a{b}.example.test'] }, 'hostnames.0'],
  ['hostname with a quote', 'sites', { hostnames: ['"a".example.test'] }, 'hostnames.0'],
  ['hostname with a space', 'sites', { hostnames: ['a b.example.test'] }, 'hostnames.0'],
  ['hostname with $', 'sites', { hostnames: ['$host.example.test'] }, 'hostnames.0'],
  ['unicode hostname', 'sites', { hostnames: ['bücher.example.test'] }, 'hostnames.0'],
  ['hostname with a zero-width space', 'sites', { hostnames: ['a\u200b.example.test'] }, 'hostnames.0'],
  ['label of 64 characters', 'sites', { hostnames: [`${'a'.repeat(64)}.example.test`] }, 'hostnames.0'],
  ['hostname over 253 characters', 'sites', { hostnames: [`${'a.'.repeat(127)}test`] }, 'hostnames.0'],
  ['wildcard in the middle', 'sites', { hostnames: ['a.*.example.test'] }, 'hostnames.0'],
  ['wildcard inside a label', 'sites', { hostnames: ['a*.example.test'] }, 'hostnames.0'],
  ['wildcard of a TLD', 'sites', { hostnames: ['*.test'] }, 'hostnames.0'],
  ['bare wildcard', 'sites', { hostnames: ['*'] }, 'hostnames.0'],
  ['single-label hostname', 'sites', { hostnames: ['intranet'] }, 'hostnames.0'],
  ['label starting with -', 'sites', { hostnames: ['-a.example.test'] }, 'hostnames.0'],
  ['label ending with -', 'sites', { hostnames: ['a-.example.test'] }, 'hostnames.0'],
  ['empty label', 'sites', { hostnames: ['a..example.test'] }, 'hostnames.0'],
  ['trailing dot', 'sites', { hostnames: ['a.example.test.'] }, 'hostnames.0'],
  ['underscore', 'sites', { hostnames: ['a_b.example.test'] }, 'hostnames.0'],
  ['IP literal with port', 'sites', { hostnames: ['10.0.0.1:80'] }, 'hostnames.0'],
  ['no hostnames', 'sites', { hostnames: [] }, 'hostnames'],
  [
    'duplicate hostnames after lower-casing',
    'sites',
    { hostnames: ['a.dup.test', 'A.DUP.TEST'] },
    'hostnames',
  ],
  ['hostname that is not a string', 'sites', { hostnames: [42] }, 'hostnames.0'],
  // Names used in file and unit names.
  ['name with upper case', 'sites', { name: 'MySite' }, 'name'],
  ['name with a slash', 'sites', { name: '../etc' }, 'name'],
  ['name with a space', 'upstreams', { name: 'a b' }, 'name'],
  ['name starting with -', 'agents', { name: '-agent' }, 'name'],
  ['name of 64 characters', 'services', { name: 'a'.repeat(64) }, 'name'],
  ['unicode name', 'sites', { name: 'café' }, 'name'],
  // Paths.
  ['path traversal', 'sites', route('/../etc/passwd'), 'routes.0.pathPrefix'],
  ['dot segment', 'sites', route('/a/./b'), 'routes.0.pathPrefix'],
  ['relative path', 'sites', route('api/'), 'routes.0.pathPrefix'],
  ['path with ;', 'sites', route('/a;b'), 'routes.0.pathPrefix'],
  ['path with braces', 'sites', route('/a{b}'), 'routes.0.pathPrefix'],
  ['path with a quote', 'sites', route('/a"b'), 'routes.0.pathPrefix'],
  ['path with a space', 'sites', route('/a b'), 'routes.0.pathPrefix'],
  ['path with LF', 'sites', route('/a\nb'), 'routes.0.pathPrefix'],
  ['percent-encoded traversal', 'sites', route('/%2e%2e/'), 'routes.0.pathPrefix'],
  ['regex path', 'sites', route('~ ^/admin'), 'routes.0.pathPrefix'],
  ['unicode path', 'sites', route('/ü/'), 'routes.0.pathPrefix'],
  ['overlong path', 'sites', route(`/${'a'.repeat(300)}`), 'routes.0.pathPrefix'],
  [
    'duplicate route prefixes',
    'sites',
    {
      routes: [
        { pathPrefix: '/', upstream: 'placeholder' },
        { pathPrefix: '/', upstream: 'placeholder' },
      ],
    },
    'routes',
  ],
  ['no routes', 'sites', { routes: [] }, 'routes'],
  [
    'route upstream with ;',
    'sites',
    { routes: [{ pathPrefix: '/', upstream: 'app;' }] },
    'routes.0.upstream',
  ],
  ['absolute path with ..', 'agents', { configRoot: '/etc/portico/../../root' }, 'configRoot'],
  ['relative configRoot', 'agents', { configRoot: 'etc/portico' }, 'configRoot'],
  ['configRoot with a space', 'agents', { configRoot: '/etc/por tico' }, 'configRoot'],
  // Headers.
  ['header name with CR/LF', 'sites', header('X-A\r\nX-B', 'v'), 'responseHeaders.0.name'],
  ['header name with a colon', 'sites', header('X-A:', 'v'), 'responseHeaders.0.name'],
  ['header name with a space', 'sites', header('X A', 'v'), 'responseHeaders.0.name'],
  ['empty header name', 'sites', header('', 'v'), 'responseHeaders.0.name'],
  ['header name of 65 characters', 'sites', header(`X${'a'.repeat(64)}`, 'v'), 'responseHeaders.0.name'],
  ['header value with CR/LF', 'sites', header('X-A', 'v\r\nSet-Cookie: a=b'), 'responseHeaders.0.value'],
  ['header value with LF', 'sites', header('X-A', 'v\nadd_header X-B c'), 'responseHeaders.0.value'],
  ['header value with ;', 'sites', header('X-A', 'v; return 200'), 'responseHeaders.0.value'],
  ['header value with braces', 'sites', header('X-A', '} location / {'), 'responseHeaders.0.value'],
  ['header value with "', 'sites', header('X-A', 'a"b'), 'responseHeaders.0.value'],
  ["header value with '", 'sites', header('X-A', "a'b"), 'responseHeaders.0.value'],
  ['header value with \\', 'sites', header('X-A', 'a\\'), 'responseHeaders.0.value'],
  ['header value with $', 'sites', header('X-A', '$remote_addr'), 'responseHeaders.0.value'],
  ['header value with %', 'sites', header('X-A', '%{REMOTE_ADDR}e'), 'responseHeaders.0.value'],
  ['header value with a tab', 'sites', header('X-A', 'a\tb'), 'responseHeaders.0.value'],
  ['header value with NUL', 'sites', header('X-A', 'a\u0000b'), 'responseHeaders.0.value'],
  ['unicode header value', 'sites', header('X-A', 'naïve'), 'responseHeaders.0.value'],
  ['header value with a leading space', 'sites', header('X-A', ' v'), 'responseHeaders.0.value'],
  ['overlong header value', 'sites', header('X-A', 'v'.repeat(1025)), 'responseHeaders.0.value'],
  [
    'duplicate header names',
    'sites',
    {
      upstreamHeaders: [
        { name: 'X-A', value: '1' },
        { name: 'x-a', value: '2' },
      ],
    },
    'upstreamHeaders',
  ],
  // Durations and sizes.
  ['timeout 0', 'sites', { readTimeoutSec: 0 }, 'readTimeoutSec'],
  ['negative timeout', 'sites', { sendTimeoutSec: -5 }, 'sendTimeoutSec'],
  ['timeout over 24 h', 'sites', { readTimeoutSec: 86_401 }, 'readTimeoutSec'],
  ['fractional timeout', 'sites', { readTimeoutSec: 1.5 }, 'readTimeoutSec'],
  ['timeout as a string', 'sites', { readTimeoutSec: '60s' }, 'readTimeoutSec'],
  ['timeout as a numeric string', 'sites', { readTimeoutSec: '60' }, 'readTimeoutSec'],
  ['negative body limit', 'sites', { maxBodyMb: -1 }, 'maxBodyMb'],
  ['huge body limit', 'sites', { maxBodyMb: 1e9 }, 'maxBodyMb'],
  [
    'service timeout 0',
    'services',
    { kind: 'openwebui', execStart: null, options: { timeoutSec: 0 } },
    'options.timeoutSec',
  ],
  // Enums and booleans.
  ['unknown tlsMode', 'sites', { tlsMode: 'on; ssl off' }, 'tlsMode'],
  ['boolean as a string', 'sites', { hsts: 'true' }, 'hsts'],
  ['certificateId that is not a UUID', 'sites', { certificateId: '../../etc/ssl/key.pem' }, 'certificateId'],
  ['unknown policy', 'upstreams', { policy: 'hash $remote_addr' }, 'policy'],
  ['unknown flavor', 'agents', { flavor: 'caddy' }, 'flavor'],
  ['unknown restart', 'services', { restart: 'sometimes' }, 'restart'],
  // Ports and targets.
  ['port 0', 'upstreams', target({ port: 0 }), 'targets.0.port'],
  ['port 65536', 'upstreams', target({ port: 65_536 }), 'targets.0.port'],
  ['negative port', 'upstreams', target({ port: -80 }), 'targets.0.port'],
  ['fractional port', 'upstreams', target({ port: 80.5 }), 'targets.0.port'],
  ['port as a string', 'upstreams', target({ port: '80' }), 'targets.0.port'],
  ['null port', 'upstreams', target({ port: null }), 'targets.0.port'],
  ['target host with ;', 'upstreams', target({ host: '10.0.0.1; include /etc/passwd' }), 'targets.0.host'],
  ['target host with a port', 'upstreams', target({ host: '10.0.0.1:80' }), 'targets.0.host'],
  ['wildcard target host', 'upstreams', target({ host: '*.example.test' }), 'targets.0.host'],
  ['target host as a URL', 'upstreams', target({ host: 'http://10.0.0.1' }), 'targets.0.host'],
  ['weight 0', 'upstreams', target({ weight: 0 }), 'targets.0.weight'],
  ['unknown scheme', 'upstreams', target({ scheme: 'ftp' }), 'targets.0.scheme'],
  ['no targets', 'upstreams', { targets: [] }, 'targets'],
  [
    '65 targets',
    'upstreams',
    { targets: Array.from({ length: 65 }, (_, i) => ({ host: '10.0.0.1', port: i + 1 })) },
    'targets',
  ],
  [
    'duplicate targets',
    'upstreams',
    {
      targets: [
        { host: '10.0.0.1', port: 80 },
        { host: '10.0.0.1', port: 80 },
      ],
    },
    'targets',
  ],
  [
    'mixed schemes',
    'upstreams',
    {
      targets: [
        { host: '10.0.0.1', port: 80 },
        { scheme: 'https', host: '10.0.0.2', port: 443 },
      ],
    },
    'targets',
  ],
  ['keepalive over 1024', 'upstreams', { keepalive: 1025 }, 'keepalive'],
  ['SSH port 0', 'agents', { sshPort: 0 }, 'sshPort'],
  ['SSH port 65536', 'agents', { sshPort: 65_536 }, 'sshPort'],
  ['agent address with a command', 'agents', { address: '10.0.0.1 -oProxyCommand=id' }, 'address'],
  ['agent address with LF', 'agents', { address: 'host.test\nid' }, 'address'],
  ['SSH user with ;', 'agents', { sshUser: 'root;id' }, 'sshUser'],
  ['validate command with LF', 'agents', { validateCommand: 'nginx -t\nrm -rf /' }, 'validateCommand'],
  ['empty reload command', 'agents', { reloadCommand: '' }, 'reloadCommand'],
  // Labels.
  ['label key with upper case', 'sites', { labels: { Env: 'prod' } }, 'labels.Env'],
  ['label value with a space', 'sites', { labels: { env: 'pro d' } }, 'labels.env'],
  ['label value with ;', 'upstreams', { labels: { env: 'a;b' } }, 'labels.env'],
  [
    '33 labels',
    'agents',
    { labels: Object.fromEntries(Array.from({ length: 33 }, (_, i) => [`k${i}`, 'v'])) },
    'labels',
  ],
  // systemd units.
  ['relative ExecStart', 'services', { execStart: 'bin/server' }, 'execStart'],
  ['ExecStart with LF', 'services', { execStart: '/bin/true\nExecStartPre=/bin/sh -c id' }, 'execStart'],
  ['ExecStart with a lone ;', 'services', { execStart: '/bin/true ; /bin/sh -c id' }, 'execStart'],
  ['ExecStart with an unbalanced quote', 'services', { execStart: '/bin/echo "unterminated' }, 'execStart'],
  ['ExecStart with an unknown escape', 'services', { execStart: '/bin/echo \\q' }, 'execStart'],
  ['ExecStart with a lone surrogate', 'services', { execStart: '/bin/echo \uD800' }, 'execStart'],
  ['environment key with =', 'services', { environment: { 'A=B': 'x' } }, 'environment.A=B'],
  ['environment key starting with a digit', 'services', { environment: { '1A': 'x' } }, 'environment.1A'],
  [
    'environment value with LF',
    'services',
    { environment: { A: 'x\n[Service]\nUser=root' } },
    'environment.A',
  ],
  ['environment value with a noncharacter', 'services', { environment: { A: '\uFFFE' } }, 'environment.A'],
  ['description with %', 'services', { description: '%n%H' }, 'description'],
  ['description with LF', 'services', { description: 'a\n[Install]' }, 'description'],
  ['unit user with a space', 'services', { user: 'root user' }, 'user'],
  ['image with upper case', 'services', { kind: 'openwebui', execStart: null, image: 'Evil/Image' }, 'image'],
  [
    'image with a shell command',
    'services',
    { kind: 'openwebui', execStart: null, image: 'img; id' },
    'image',
  ],
  [
    'option origin with a path',
    'services',
    { kind: 'ollama', execStart: null, options: { extraOrigins: ['https://a.test/x'] } },
    'options.extraOrigins.0',
  ],
  ['unknown option', 'services', { options: { privileged: true } }, 'options.privileged'],
  ['the same agent twice', 'services', { agents: ['a1', 'a1'] }, 'agents'],
  ['the same agent twice on a site', 'sites', { agents: ['a1', 'a1'] }, 'agents'],
  // Unknown fields anywhere.
  ['unknown top-level field', 'sites', { isAdmin: true }, 'isAdmin'],
  [
    'unknown field in a route',
    'sites',
    { routes: [{ pathPrefix: '/', upstream: 'x', rewrite: '^ /admin' }] },
    'routes.0.rewrite',
  ],
  [
    'unknown field in a header',
    'sites',
    { responseHeaders: [{ name: 'X-A', value: 'b', always: true }] },
    'responseHeaders.0.always',
  ],
  ['unknown field in a target', 'upstreams', target({ backup: true }), 'targets.0.backup'],
  ['id in a create', 'upstreams', { id: '00000000-0000-4000-8000-000000000000' }, 'id'],
  ['version in a create', 'agents', { version: 7 }, 'version'],
  ['sealed key column in a create', 'agents', { sshKeyEncrypted: 'v1.a.b.c' }, 'sshKeyEncrypted'],
  // Users and tokens.
  ['user email that is not one', 'users', { email: 'root@localhost\r\nBcc: x' }, 'email'],
  ['short password', 'users', { password: 'short' }, 'password'],
  ['unknown role', 'users', { role: 'root' }, 'role'],
  ['passwordHash in a create', 'users', { passwordHash: '$argon2id$...' }, 'passwordHash'],
  ['token without scopes', 'tokens', { scopes: [] }, 'scopes'],
  ['unknown scope', 'tokens', { scopes: ['superuser'] }, 'scopes.0'],
  ['duplicate scopes', 'tokens', { scopes: ['read', 'read'] }, 'scopes'],
  ['token expiring in the past', 'tokens', { expiresAt: '2020-01-01T00:00:00Z' }, 'expiresAt'],
  ['token expiry that is not a date', 'tokens', { expiresAt: 'tomorrow' }, 'expiresAt'],
  ['token name with LF', 'tokens', { name: 'ci\nadmin' }, 'name'],
];

const counts = async () =>
  (
    await db.query<Record<string, number>>(
      `SELECT (SELECT count(*) FROM "Site")::int AS sites, (SELECT count(*) FROM "Upstream")::int AS upstreams,
              (SELECT count(*) FROM "Agent")::int AS agents, (SELECT count(*) FROM "Service")::int AS services,
              (SELECT count(*) FROM "User")::int AS users, (SELECT count(*) FROM "ApiToken")::int AS tokens,
              (SELECT count(*) FROM "AuditEvent")::int AS audit`,
    )
  )[0]!;

describe('validation', () => {
  it('accepts the unmodified documents the cases start from', async () => {
    for (const resource of ['sites', 'upstreams', 'agents', 'services', 'users', 'tokens'] as const) {
      const res = await admin.post(`/api/v1/${resource}`, doc(resource, {}));
      expect({ resource, status: res.status }).toEqual({ resource, status: 201 });
    }
  });

  it.each(CASES)('rejects %s (%s) with a 400 naming the field', async (_, resource, overrides, field) => {
    const before = await counts();
    const res = await admin.post(`/api/v1/${resource}`, doc(resource, overrides));
    expect(res.status).toBe(400);
    expect(res.body).toMatchObject({ statusCode: 400, code: 'VALIDATION_FAILED' });
    expect(res.body.details).toEqual(
      expect.arrayContaining([{ field, message: expect.stringMatching(/\S/) }]),
    );
    expect(res.body.message).toContain(field);
    expect(await counts()).toEqual(before);
  });

  it('applies the same rules to updates, and a rejected update changes nothing', async () => {
    const created = (await admin.post('/api/v1/sites', doc('sites', {}))).body;
    for (const [, resource, overrides, field] of CASES.filter(([, r]) => r === 'sites')) {
      if ('routes' in overrides || field === 'isAdmin' || field === 'constructor') continue;
      const res = await admin.patch(`/api/v1/${resource}/${created.id}`, overrides);
      expect({ field, status: res.status }).toEqual({ field, status: 400 });
    }
    expect((await admin.get(`/api/v1/sites/${created.id}`)).body).toEqual(created);
    const unknown = await admin.patch(`/api/v1/sites/${created.id}`, { version: 1, owner: 'me' });
    expect(unknown.body.details).toEqual([{ field: 'owner', message: 'is not a known field' }]);
  });

  it('reports every problem of a document at once', async () => {
    const res = await admin.post('/api/v1/sites', {
      name: 'Bad Name',
      hostnames: ['a.*.test'],
      routes: [{ pathPrefix: '../', upstream: upstream }],
      readTimeoutSec: 0,
      extra: 1,
    });
    expect(res.status).toBe(400);
    expect([...new Set(res.body.details.map((d: { field: string }) => d.field))].sort()).toEqual(
      ['extra', 'hostnames.0', 'name', 'readTimeoutSec', 'routes.0.pathPrefix'].sort(),
    );
  });

  it('accepts tricky but valid values, normalized', async () => {
    const res = await admin.post('/api/v1/sites', {
      ...doc('sites', {}),
      hostnames: [
        '  Mixed.Case.Example.TEST ',
        '*.wild.example.test',
        `${'l'.repeat(63)}.${'m'.repeat(63)}.example.test`,
        'xn--bcher-kva.example.test',
        'localhost',
      ],
      routes: [
        { pathPrefix: '/.well-known/security/', upstream },
        { pathPrefix: '/~user/a_b-c.d', upstream },
      ],
      responseHeaders: [
        {
          name: 'Content-Security-Policy',
          value: 'default-src https: data: blob: (a=b) [x] <y> | ~ ^ @ ! # & * + , . / : = ? _',
        },
      ],
      readTimeoutSec: 86_400,
      maxBodyMb: 102_400,
    });
    expect(res.status).toBe(201);
    expect(res.body.hostnames[0]).toBe('mixed.case.example.test');
    // A well-formed path that port 80 must keep for ACME cannot be routed: refused on save,
    // with the renderer's reason, instead of failing every later render of the site.
    const reserved = await admin.post('/api/v1/sites', {
      ...doc('sites', {}),
      routes: [{ pathPrefix: '/.well-known/acme-challenge/', upstream }],
    });
    expect(reserved.status).toBe(422);
    expect(reserved.body).toMatchObject({
      code: 'INVARIANT_VIOLATED',
      details: [{ field: 'routes', reason: 'ROUTE_RESERVED_PATH' }],
    });
  });

  it('drops __proto__ and constructor keys instead of merging them into anything', async () => {
    const raw = JSON.stringify(doc('sites', {})).replace(
      /^\{/,
      '{"__proto__":{"isAdmin":true},"constructor":{"prototype":{"x":1}},',
    );
    const res = await admin.request('POST', '/api/v1/sites', { raw });
    expect([201, 400]).toContain(res.status);
    expect(res.text).not.toContain('isAdmin');
    const me = await admin.get('/api/v1/auth/me');
    expect(me.body).not.toHaveProperty('isAdmin');
    expect(me.body.role).toBe('admin');
  });

  it('rejects unknown query parameters and bad filters', async () => {
    const res = await admin.get('/api/v1/upstreams?limit=5&admin=true');
    expect(res.status).toBe(400);
    expect(res.body.details).toEqual([{ field: 'admin', message: 'is not a known field' }]);
    const audit = await admin.get('/api/v1/audit?limit=1000');
    expect(audit.status).toBe(400);
    expect(audit.body.details[0].field).toBe('limit');
  });

  it('answers malformed JSON with a 400 and a body that is not JSON with a 400', async () => {
    const broken = await admin.request('POST', '/api/v1/sites', { raw: '{"name": "a",' });
    expect(broken.status).toBe(400);
    expect(broken.body).toEqual({
      statusCode: 400,
      code: 'VALIDATION_FAILED',
      message: 'The request body is not valid JSON',
      details: [{ field: '(body)', message: 'is not valid JSON' }],
    });
    for (const raw of ['[]', '"site"', '42', 'null']) {
      const res = await admin.request('POST', '/api/v1/sites', { raw });
      expect({ raw, status: res.status }).toEqual({ raw, status: 400 });
      expect(res.body.details.length).toBeGreaterThan(0);
    }
    const text = await admin.request('POST', '/api/v1/sites', {
      raw: 'name=x',
      headers: { 'content-type': 'text/plain' },
    });
    // A type an HTML form can send is refused before it is read (CSRF rule, docs/api.md).
    expect(text.status).toBe(415);
  });

  it('refuses huge bodies with a 413 before parsing them', async () => {
    const before = await counts();
    const huge = doc('sites', { labels: { big: 'x'.repeat(63) }, junk: 'x'.repeat(2 * 1024 * 1024) });
    const res = await admin.post('/api/v1/sites', huge);
    expect(res.status).toBe(413);
    expect(res.body).toMatchObject({ statusCode: 413, code: 'PAYLOAD_TOO_LARGE' });
    const many = await admin.post(
      '/api/v1/sites',
      doc('sites', { hostnames: Array.from({ length: 101 }, (_, i) => `h${i}.many.test`) }),
    );
    expect(many.status).toBe(400);
    expect(many.body.details[0].field).toBe('hostnames');
    expect(await counts()).toEqual(before);
  });
});
