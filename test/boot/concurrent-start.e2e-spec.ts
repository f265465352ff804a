import { readdir } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { REPO_ROOT } from '../support/built-app.js';
import { TestApp } from '../support/test-app.js';
import { TestDatabase } from '../support/test-database.js';

// Two instances of the built app started at the same moment on one fresh database: the
// migration runs exactly once (advisory lock), exactly one first admin is created, both serve.

const BANNER = /Password \(shown once\):\s+(\S+)/; // the first-start banner

let db: TestDatabase;
let apps: TestApp[] = [];

beforeAll(async () => {
  db = await TestDatabase.create('concurrent_start');
  const env = { PORTICO_ADMIN_EMAIL: undefined, PORTICO_ADMIN_PASSWORD: undefined };
  apps = await Promise.all([0, 1, 2].map(() => TestApp.start({ databaseUrl: db.url, env })));
});

afterAll(async () => {
  await Promise.all(apps.map((a) => a.stop()));
  await db?.drop();
});

describe('instances starting together on a fresh database', () => {
  it('apply each migration exactly once', async () => {
    const expected = (await readdir(join(REPO_ROOT, 'prisma/migrations'), { withFileTypes: true }))
      .filter((e) => e.isDirectory())
      .map((e) => e.name)
      .sort();
    const rows = await db.query<{
      migration_name: string;
      finished_at: Date | null;
      applied_steps_count: number;
    }>(
      'SELECT migration_name, finished_at, applied_steps_count FROM "_prisma_migrations" ORDER BY migration_name',
    );
    expect(rows.map((r) => r.migration_name)).toEqual(expected);
    for (const r of rows) expect([r.finished_at, r.applied_steps_count]).toEqual([expect.any(Date), 1]);

    // Exactly one instance reports having applied them; the others found them done.
    const reports = apps.map((a) => {
      const line = a.stdout.split('\n').find((l) => l.includes('"msg":"migrations"'));
      return JSON.parse(line!) as { applied: string[]; alreadyApplied: number };
    });
    expect(reports.filter((r) => r.applied.length > 0)).toHaveLength(1);
    expect(reports.flatMap((r) => r.applied).sort()).toEqual(expected);
  });

  it('create one first admin, whose password exactly one of them prints', async () => {
    const users = await db.query<{ email: string; role: string }>('SELECT email, role FROM "User"');
    expect(users).toEqual([{ email: 'admin@portico.local', role: 'admin' }]);
    const printed = apps.map((a) => BANNER.exec(a.stdout)?.[1]).filter((p): p is string => p !== undefined);
    expect(printed).toHaveLength(1);
    // And it works against every instance: they share the database.
    for (const app of apps) {
      const admin = await app.client().login('admin@portico.local', printed[0]!);
      expect((await admin.get('/api/v1/auth/me')).body.role).toBe('admin');
    }
  });

  it('all end healthy and see each other’s writes', async () => {
    for (const app of apps) {
      expect((await app.client().get('/healthz')).body).toMatchObject({
        status: 'ok',
        pendingMigrations: [],
      });
      expect(app.stderr).not.toMatch(/error/i);
    }
    const password = apps.map((a) => BANNER.exec(a.stdout)?.[1]).find(Boolean)!;
    const [a, b] = [
      await apps[0]!.client().login('admin@portico.local', password),
      await apps[1]!.client().login('admin@portico.local', password),
    ];
    const created = await a.post('/api/v1/upstreams', {
      name: 'shared',
      targets: [{ host: '10.0.0.1', port: 80 }],
    });
    expect(created.status).toBe(201);
    expect((await b.get(`/api/v1/upstreams/${created.body.id}`)).body.name).toBe('shared');
    expect(
      (await b.post('/api/v1/upstreams', { name: 'shared', targets: [{ host: '10.0.0.2', port: 80 }] }))
        .status,
    ).toBe(409);
  });
});
