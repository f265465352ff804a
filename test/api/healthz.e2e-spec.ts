import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { TestApp } from '../support/test-app.js';
import { TestDatabase } from '../support/test-database.js';

// Readiness means: the database answers and every migration in prisma/migrations is applied.

let db: TestDatabase;
let app: TestApp;

beforeAll(async () => {
  db = await TestDatabase.create('healthz');
  app = await TestApp.start({ databaseUrl: db.url });
});

afterAll(async () => {
  await app?.stop();
  await db?.drop();
});

describe('GET /healthz', () => {
  it('answers without authentication when the database is up and migrated', async () => {
    const res = await app.client().get('/healthz');
    expect(res.status).toBe(200);
    expect(res.body).toEqual({ status: 'ok', database: 'up', pendingMigrations: [], embedded: false });
    expect(res.headers.get('x-request-id')).toMatch(/\S/);
  });

  it('reports 503 and the missing migration when one is not applied', async () => {
    const [row] = await db.query<{ migration_name: string }>(
      'SELECT migration_name FROM "_prisma_migrations" ORDER BY migration_name DESC LIMIT 1',
    );
    await db.query(`UPDATE "_prisma_migrations" SET finished_at = NULL WHERE migration_name = $1`, [
      row!.migration_name,
    ]);
    try {
      const res = await app.client().get('/healthz');
      expect(res.status).toBe(503);
      expect(res.body).toMatchObject({
        status: 'migrating',
        database: 'up',
        pendingMigrations: [row!.migration_name],
      });
    } finally {
      await db.query(`UPDATE "_prisma_migrations" SET finished_at = now() WHERE migration_name = $1`, [
        row!.migration_name,
      ]);
    }
    expect((await app.client().get('/healthz')).status).toBe(200);
  });

  it('reports 503 when the database is gone, without leaking why', async () => {
    await db.drop();
    const res = await app.client().get('/healthz');
    expect(res.status).toBe(503);
    expect(res.body).toEqual({ status: 'unavailable', database: 'down' });
    // The process itself keeps running, so it can recover when the database is back.
    expect(app.running).toBe(true);
  });
});
