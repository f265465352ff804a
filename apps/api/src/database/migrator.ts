import { createHash, randomUUID } from 'node:crypto';
import { readdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import pg from 'pg';

/** Same table Prisma Migrate keeps, so `prisma migrate status/deploy` agree with us. */
const CREATE_MIGRATIONS_TABLE = `
CREATE TABLE IF NOT EXISTS "_prisma_migrations" (
    "id"                    VARCHAR(36) PRIMARY KEY NOT NULL,
    "checksum"              VARCHAR(64) NOT NULL,
    "finished_at"           TIMESTAMPTZ,
    "migration_name"        VARCHAR(255) NOT NULL,
    "logs"                  TEXT,
    "rolled_back_at"        TIMESTAMPTZ,
    "started_at"            TIMESTAMPTZ NOT NULL DEFAULT now(),
    "applied_steps_count"   INTEGER NOT NULL DEFAULT 0
)`;

/** Arbitrary but fixed: every Portico instance contends for the same lock. */
const MIGRATION_LOCK_ID = 72_707_369;

export interface MigrationResult {
  applied: string[];
  alreadyApplied: string[];
}

export class MigrationError extends Error {
  override name = 'MigrationError';
}

/**
 * Applies prisma/migrations/<name>/migration.sql in name order, once each, under a Postgres
 * advisory lock so that instances starting together never apply a migration twice.
 * Prisma's schema engine is not available on every machine, hence this small runner.
 */
export async function migrate(databaseUrl: string, migrationsDir: string): Promise<MigrationResult> {
  const client = new pg.Client({ connectionString: databaseUrl });
  await client.connect();
  try {
    await client.query('SELECT pg_advisory_lock($1)', [MIGRATION_LOCK_ID]);
    try {
      return await applyPending(client, migrationsDir);
    } finally {
      await client.query('SELECT pg_advisory_unlock($1)', [MIGRATION_LOCK_ID]);
    }
  } finally {
    await client.end();
  }
}

/** Names of migrations in the folder that the database has not finished applying. */
export async function pendingMigrations(databaseUrl: string, migrationsDir: string): Promise<string[]> {
  const client = new pg.Client({ connectionString: databaseUrl });
  await client.connect();
  try {
    const exists = await client.query(`SELECT to_regclass('"_prisma_migrations"') AS t`);
    const done = exists.rows[0]?.t ? await finishedNames(client) : new Set<string>();
    return (await migrationNames(migrationsDir)).filter((n) => !done.has(n));
  } finally {
    await client.end();
  }
}

async function applyPending(client: pg.Client, dir: string): Promise<MigrationResult> {
  await client.query(CREATE_MIGRATIONS_TABLE);
  const failed = await client.query(
    `SELECT migration_name FROM "_prisma_migrations" WHERE finished_at IS NULL AND rolled_back_at IS NULL`,
  );
  if (failed.rowCount) {
    throw new MigrationError(
      `migration ${failed.rows[0].migration_name} failed earlier; fix the database, then mark it rolled back ` +
        `(prisma migrate resolve --rolled-back NAME) before starting again`,
    );
  }
  const done = await finishedNames(client);
  const result: MigrationResult = { applied: [], alreadyApplied: [] };
  for (const name of await migrationNames(dir)) {
    const sql = await readFile(join(dir, name, 'migration.sql'), 'utf8');
    if (done.has(name)) {
      result.alreadyApplied.push(name);
      continue;
    }
    await applyOne(client, name, sql);
    result.applied.push(name);
  }
  return result;
}

async function applyOne(client: pg.Client, name: string, sql: string): Promise<void> {
  const id = randomUUID();
  const checksum = createHash('sha256').update(sql).digest('hex');
  await client.query(
    `INSERT INTO "_prisma_migrations" (id, checksum, migration_name, started_at, applied_steps_count)
     VALUES ($1, $2, $3, now(), 0)`,
    [id, checksum, name],
  );
  try {
    await client.query('BEGIN');
    await client.query(sql);
    await client.query('COMMIT');
  } catch (error) {
    await client.query('ROLLBACK');
    const logs = error instanceof Error ? error.message : String(error);
    await client.query(`UPDATE "_prisma_migrations" SET logs = $2 WHERE id = $1`, [id, logs]);
    throw new MigrationError(`migration ${name} failed: ${logs}`);
  }
  await client.query(
    `UPDATE "_prisma_migrations" SET finished_at = now(), applied_steps_count = 1 WHERE id = $1`,
    [id],
  );
}

async function finishedNames(client: pg.Client): Promise<Set<string>> {
  const rows = await client.query(
    `SELECT migration_name FROM "_prisma_migrations" WHERE finished_at IS NOT NULL AND rolled_back_at IS NULL`,
  );
  return new Set(rows.rows.map((r) => r.migration_name as string));
}

async function migrationNames(dir: string): Promise<string[]> {
  const entries = await readdir(dir, { withFileTypes: true });
  return entries
    .filter((e) => e.isDirectory())
    .map((e) => e.name)
    .sort();
}
