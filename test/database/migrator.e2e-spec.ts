import { createHash } from 'node:crypto';
import { cp, mkdir, mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, beforeEach, describe, expect, it } from '@jest/globals';
import { MigrationError, migrate, pendingMigrations } from '../../apps/api/src/database/migrator.js';
import { MIGRATIONS_DIR } from '../../apps/api/src/database/paths.js';
import { TestDatabase } from '../support/test-database.js';

// The migration runner against real Postgres: Prisma's bookkeeping table, exactly-once under
// contention, and a stop after a failed migration.

let db: TestDatabase;
const scratch: string[] = [];

beforeEach(async () => {
  db = await TestDatabase.create('migrator');
});

afterEach(async () => {
  await db?.drop();
});

afterAll(async () => {
  for (const dir of scratch) await rm(dir, { recursive: true, force: true });
});

const names = async (dir = MIGRATIONS_DIR) =>
  (await readdir(dir, { withFileTypes: true }))
    .filter((e) => e.isDirectory())
    .map((e) => e.name)
    .sort();

describe('migrate()', () => {
  it('applies every migration once and records it the way Prisma Migrate does', async () => {
    expect(await pendingMigrations(db.url, MIGRATIONS_DIR)).toEqual(await names());
    const first = await migrate(db.url, MIGRATIONS_DIR);
    expect(first).toEqual({ applied: await names(), alreadyApplied: [] });
    const rows = await db.query<{
      migration_name: string;
      checksum: string;
      finished_at: Date;
      applied_steps_count: number;
      rolled_back_at: Date | null;
    }>('SELECT * FROM "_prisma_migrations" ORDER BY migration_name');
    for (const row of rows) {
      const sql = await readFile(join(MIGRATIONS_DIR, row.migration_name, 'migration.sql'), 'utf8');
      expect(row).toMatchObject({
        checksum: createHash('sha256').update(sql).digest('hex'),
        applied_steps_count: 1,
        rolled_back_at: null,
        finished_at: expect.any(Date),
      });
    }
    expect(await pendingMigrations(db.url, MIGRATIONS_DIR)).toEqual([]);
    expect(await migrate(db.url, MIGRATIONS_DIR)).toEqual({ applied: [], alreadyApplied: await names() });
  });

  it('applies each migration exactly once when many runners start together', async () => {
    const results = await Promise.all(Array.from({ length: 6 }, () => migrate(db.url, MIGRATIONS_DIR)));
    expect(results.flatMap((r) => r.applied).sort()).toEqual(await names());
    expect(results.filter((r) => r.applied.length > 0)).toHaveLength(1);
    const counts = await db.query<{ migration_name: string; n: number }>(
      'SELECT migration_name, count(*)::int AS n FROM "_prisma_migrations" GROUP BY migration_name',
    );
    expect(counts.every((c) => c.n === 1)).toBe(true);
    expect(counts).toHaveLength((await names()).length);
  });

  it('rolls back a failing migration, records why, and refuses to go on until it is resolved', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'portico-migrations-'));
    scratch.push(dir);
    await cp(MIGRATIONS_DIR, dir, { recursive: true });
    const broken = join(dir, '99990101000000_broken');
    await mkdir(broken);
    await writeFile(
      join(broken, 'migration.sql'),
      'CREATE TABLE "Half" (id int);\nSELECT * FROM "NoSuchTable";\n',
    );

    await expect(migrate(db.url, dir)).rejects.toThrow(MigrationError);
    const [row] = await db.query<{ finished_at: Date | null; logs: string }>(
      `SELECT finished_at, logs FROM "_prisma_migrations" WHERE migration_name = '99990101000000_broken'`,
    );
    expect(row).toMatchObject({ finished_at: null, logs: expect.stringContaining('NoSuchTable') });
    // Nothing of the failed migration stays behind.
    expect(await db.query(`SELECT to_regclass('"Half"') AS t`)).toEqual([{ t: null }]);
    // The earlier ones were applied and stay applied.
    expect(await pendingMigrations(db.url, dir)).toEqual(['99990101000000_broken']);

    await writeFile(join(broken, 'migration.sql'), 'CREATE TABLE "Half" (id int);\n');
    await expect(migrate(db.url, dir)).rejects.toThrow(/failed earlier.*resolve --rolled-back/s);
    await db.query(
      `UPDATE "_prisma_migrations" SET rolled_back_at = now() WHERE migration_name = '99990101000000_broken'`,
    );
    expect((await migrate(db.url, dir)).applied).toEqual(['99990101000000_broken']);
  });
});
