import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { parse, stringify } from 'yaml';
import { fleetDocument } from '../declarative/fleet-document.js';
import type { ApiClient } from '../support/api-client.js';
import { REPO_ROOT } from '../support/built-app.js';
import { createToken } from '../support/role-clients.js';
import { TestApp } from '../support/test-app.js';
import { TestDatabase } from '../support/test-database.js';

const BIN = join(REPO_ROOT, 'node_modules/.bin/portico');

let db: TestDatabase;
let app: TestApp;
let admin: ApiClient;
let token: string;
let dir: string;

beforeAll(async () => {
  db = await TestDatabase.create('cli');
  app = await TestApp.start({
    databaseUrl: db.url,
    env: { DEPLOY_CONNECT_TIMEOUT_MS: '1000', DEPLOY_POLL_MS: '100' },
  });
  admin = await app.admin();
  token = (await createToken(admin, ['read', 'write', 'deploy', 'admin'])).token;
  dir = mkdtempSync(join(tmpdir(), 'portico-cli-'));
});

afterAll(async () => {
  await app?.stop();
  await db?.drop();
  rmSync(dir, { recursive: true, force: true });
});

/** Runs the installed `portico` bin (what npm ci links) as a child process. */
function portico(args: string[], env: Record<string, string | undefined> = {}, stdin?: string) {
  return new Promise<{ code: number | null; stdout: string; stderr: string }>((resolve) => {
    const child = spawn(BIN, args, {
      env: { PATH: process.env.PATH, PORTICO_URL: app.baseUrl, PORTICO_TOKEN: token, ...env },
      stdio: ['pipe', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d: Buffer) => {
      stdout += d.toString();
    });
    child.stderr.on('data', (d: Buffer) => {
      stderr += d.toString();
    });
    child.stdin.end(stdin ?? '');
    child.once('exit', (code) => resolve({ code, stdout, stderr }));
  });
}

describe('portico CLI', () => {
  it('plans, applies and exports a fleet document', async () => {
    const { doc, names } = fleetDocument();
    const file = join(dir, 'fleet.yaml');
    writeFileSync(file, stringify(doc));

    const dry = await portico(['apply', '-f', file, '--dry-run']);
    expect(dry.stderr).toBe('');
    expect(dry.code).toBe(0);
    expect(dry.stdout).toContain(`+ site ${names.shop}`);
    expect(dry.stdout).toContain('Plan: 7 to create, 0 to change, 0 to delete, 0 unchanged.');
    expect(dry.stdout).toMatch(new RegExp(`agent ${names.edge} \\(added\\)\\n\\s+\\+ nginx/`));
    expect(dry.stdout).toContain('Dry run: nothing was changed.');

    const applied = await portico(['apply', '-f', file]);
    expect(applied.code).toBe(0);
    expect(applied.stdout).toMatch(/Applied: the desired state is now revision \d+\./);

    doc.upstreams[0]!.targets[0]!.port = 9000;
    const changed = await portico(['--json', 'apply', '-f', '-'], {}, JSON.stringify(doc));
    expect(changed.code).toBe(0);
    const plan = JSON.parse(changed.stdout);
    expect(plan.changes).toEqual([
      expect.objectContaining({ action: 'update', kind: 'upstream', name: names.api }),
    ]);

    const human = await portico(['apply', '-f', '-', '--dry-run'], {}, stringify({ ...doc, services: [] }));
    expect(human.stdout).toContain(`- service ${names.worker}`);
    const update = stringify({
      ...doc,
      upstreams: [{ ...doc.upstreams[0], keepalive: 4 }, doc.upstreams[1]],
    });
    expect((await portico(['apply', '-f', '-', '--dry-run'], {}, update)).stdout).toContain(
      '    keepalive: 16 -> 4',
    );

    const out = join(dir, 'export.yaml');
    const exported = await portico(['export', '-o', out]);
    expect(exported.code).toBe(0);
    const exportedDoc = parse(readFileSync(out, 'utf8'));
    expect(exportedDoc.sites.map((s: { name: string }) => s.name)).toEqual([names.blog, names.shop]);
    const same = await portico(['apply', '-f', out]);
    expect(same.stdout).toContain('No changes');
    const json = await portico(['export', '--format', 'json']);
    expect(JSON.parse(json.stdout)).toEqual(exportedDoc);
  });

  it('fails with exit codes scripts can act on', async () => {
    const { doc } = fleetDocument();
    doc.sites[0]!.routes[0]!.upstream = 'missing-upstream';
    const bad = await portico(['apply', '-f', '-'], {}, stringify(doc));
    expect(bad.code).toBe(1);
    expect(bad.stderr).toContain('sites.1.routes.0.upstream: no upstream named missing-upstream');
    const badJson = await portico(['--json', 'apply', '-f', '-'], {}, stringify(doc));
    expect(badJson.code).toBe(1);
    expect(JSON.parse(badJson.stdout).code).toBe('VALIDATION_FAILED');

    expect((await portico(['apply', '-f', join(dir, 'nope.yaml')])).code).toBe(2);
    expect((await portico(['apply'])).code).toBe(2);
    expect((await portico(['status'], { PORTICO_TOKEN: undefined })).code).toBe(2);
    expect((await portico(['status'], { PORTICO_TOKEN: 'ptk_wrong' })).code).toBe(5);
    expect((await portico(['status'], { PORTICO_URL: 'http://127.0.0.1:9' })).code).toBe(3);
    // A read-only token (scopes narrow the admin's role).
    const viewerToken = (await createToken(admin, ['read'])).token;
    const denied = await portico(
      ['apply', '-f', '-'],
      { PORTICO_TOKEN: viewerToken },
      stringify(fleetDocument().doc),
    );
    expect(denied.code).toBe(5);
    expect((await portico(['backup', '-o', join(dir, 'b.json')], { PORTICO_TOKEN: viewerToken })).code).toBe(
      5,
    );
  });

  it('shows status and certificates, and reports a doctor that is not there', async () => {
    const status = await portico(['status']);
    expect(status.code).toBe(0);
    expect(status.stdout).toMatch(/^Revision \d+: \d+ agent\(s\), \d+ site\(s\)/);
    const json = JSON.parse((await portico(['--json', 'status'])).stdout);
    expect(typeof json.revision).toBe('number');
    const certs = await portico(['certs']);
    expect([0, 4]).toContain(certs.code);
    const sites = (await admin.get('/api/v1/sites?limit=1')).body.items;
    const doctor = await portico(['doctor', sites[0].name]);
    expect([0, 1, 4]).toContain(doctor.code);
    if (doctor.code === 4) expect(doctor.stderr).toContain('no site doctor');
    expect((await portico(['doctor', 'no-such-site'])).code).toBe(1);
  });

  it('backs up to a file and refuses to restore over existing state', async () => {
    const file = join(dir, 'backup.json');
    const res = await portico(['backup', '-o', file]);
    expect(res.code).toBe(0);
    expect(JSON.parse(readFileSync(file, 'utf8')).format).toBe('portico-backup');
    const again = await portico(['restore', '-f', file]);
    expect(again.code).toBe(1);
    expect(again.stderr).toContain('already holds desired state');
  });

  it('deploys by selector and follows the deployment until it finishes', async () => {
    const name = `cli-unreachable-${Date.now()}`;
    const agent = await admin.post('/api/v1/agents', {
      name,
      address: '127.0.0.1',
      sshPort: 9,
      generateKey: true,
      labels: { clitest: name },
    });
    expect(agent.status).toBe(201);
    const res = await portico(['deploy', '--selector', `clitest=${name}`, '--wait']);
    expect(res.stdout).toMatch(/^Deployment [0-9a-f-]+ of revision \d+/);
    expect(res.stdout).toContain(`  ${name}: `);
    expect(res.stdout).toMatch(/Deployment [0-9a-f-]+: failed/);
    expect(res.code).toBe(1);
    const { doc } = fleetDocument();
    const applied = await portico(['apply', '-f', '-', '--deploy'], {}, stringify(doc));
    expect(applied.code).toBe(0);
    expect(applied.stdout).toMatch(/Deployment [0-9a-f-]+ started \(revision \d+\)\./);
    const readOnly = (await createToken(admin, ['read', 'write'])).token;
    const refused = await portico(
      ['apply', '-f', '-', '--deploy'],
      { PORTICO_TOKEN: readOnly },
      stringify(doc),
    );
    expect(refused.code).toBe(5);
    const none = await portico(['deploy', '--selector', 'clitest=nobody']);
    expect(none.code).not.toBe(0);
  });
});
