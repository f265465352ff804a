import { execFileSync } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { REPO_ROOT } from '../support/built-app.js';
import { TestApp } from '../support/test-app.js';

// Node.js 24 is the supported runtime and the suite runs on it; `engines` also allows 22.12+,
// so the built app must start there. Node 22 comes from the npm registry
// (scripts/fetch-node.sh, cached after the first run), and the app starts the way `npm start`
// starts it on a fresh machine: the embedded database, a generated first admin.

let node: string;
let dataDir: string;
let app: TestApp | undefined;

beforeAll(async () => {
  const bin = execFileSync(join(REPO_ROOT, 'scripts/fetch-node.sh'), ['22'], {
    encoding: 'utf8',
    timeout: 240_000,
  }).trim();
  node = join(bin, 'node');
  dataDir = await mkdtemp(join(tmpdir(), 'portico-node22-'));
}, 300_000);

afterAll(async () => {
  await app?.stop();
  await rm(dataDir, { recursive: true, force: true });
});

describe('the built app on Node.js 22', () => {
  it('is a Node 22 binary at least 22.12 (what engines allows)', () => {
    const [major, minor] = execFileSync(node, ['-p', 'process.versions.node'], { encoding: 'utf8' })
      .trim()
      .split('.')
      .map(Number);
    expect(major).toBe(22);
    expect(minor).toBeGreaterThanOrEqual(12);
  });

  it('starts on the embedded database, answers /healthz and stops cleanly', async () => {
    app = await TestApp.start({
      node,
      dataDir,
      env: { DATABASE_URL: undefined, PORTICO_ADMIN_EMAIL: undefined, PORTICO_ADMIN_PASSWORD: undefined },
    });
    expect((await app.client().get('/healthz')).body).toEqual({
      status: 'ok',
      database: 'up',
      pendingMigrations: [],
      embedded: true,
    });
    expect(app.stdout).toMatch(/Password \(shown once\):\s+\S{20,}/);
    const stopping = Date.now();
    await app.stop();
    expect(Date.now() - stopping).toBeLessThan(9_000); // graceful, well inside the SIGKILL grace
    expect(app.stderr).not.toMatch(/Error|EBADENGINE|ExperimentalWarning/);
  });
});
