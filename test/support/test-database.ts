import { randomBytes } from 'node:crypto';
import pg from 'pg';

/** The real Postgres every integration test uses; each test file gets its own database on it. */
export const POSTGRES_URL =
  process.env.PORTICO_TEST_POSTGRES ?? 'postgresql://postgres@127.0.0.1:5432/postgres';

function urlFor(database: string): string {
  const url = new URL(POSTGRES_URL);
  url.pathname = `/${database}`;
  return url.toString();
}

/**
 * A freshly created, empty database named after the test file, dropped again by drop().
 * Tests in different files (and Jest workers) never share state, so they run in parallel.
 */
export class TestDatabase {
  private pool: pg.Pool | null = null;

  private constructor(
    readonly name: string,
    readonly url: string,
  ) {}

  static async create(label: string): Promise<TestDatabase> {
    const safe = label
      .toLowerCase()
      .replace(/[^a-z0-9]+/g, '_')
      .slice(0, 30);
    const name = `portico_t_${safe}_${randomBytes(4).toString('hex')}`;
    await admin(`CREATE DATABASE "${name}"`);
    return new TestDatabase(name, urlFor(name));
  }

  /** Runs SQL on this database (one small pool per test database). */
  async query<R extends pg.QueryResultRow = Record<string, unknown>>(
    sql: string,
    params: unknown[] = [],
  ): Promise<R[]> {
    if (!this.pool) {
      this.pool = new pg.Pool({ connectionString: this.url, max: 2 });
      // An idle connection ended by the server (the FORCE drop below, racing the pool's own end)
      // is emitted on the pool; without a listener that error would fail whichever test runs.
      this.pool.on('error', (error: Error & { code?: string }) => {
        if (error.code !== '57P01') throw error;
      });
    }
    return (await this.pool.query<R>(sql, params)).rows;
  }

  async drop(): Promise<void> {
    await this.pool?.end();
    this.pool = null;
    // FORCE: an app that failed to shut down cleanly must not leave the database behind.
    await admin(`DROP DATABASE IF EXISTS "${this.name}" WITH (FORCE)`);
  }
}

async function admin(sql: string): Promise<void> {
  const client = new pg.Client({ connectionString: POSTGRES_URL });
  await client.connect();
  try {
    await client.query(sql);
  } finally {
    await client.end();
  }
}
