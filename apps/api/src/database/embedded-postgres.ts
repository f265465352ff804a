import { mkdir } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { PGlite } from '@electric-sql/pglite';
import { PGLiteSocketServer } from '@electric-sql/pglite-socket';
import { keepProtocolCyclesTogether } from './protocol-cycles.js';

/**
 * The zero-setup database: PGlite (Postgres compiled to WASM) with its data under the data
 * directory, exposed on a loopback socket so Prisma's pg adapter talks to it like any
 * Postgres. PGlite serializes transactions (and, with protocol-cycles.ts, every query), which
 * is fine for one instance; a team that runs several instances sets DATABASE_URL.
 */
export class EmbeddedPostgres {
  private constructor(
    private readonly db: PGlite,
    private readonly server: PGLiteSocketServer,
    readonly url: string,
  ) {}

  static async start(dataDir: string): Promise<EmbeddedPostgres> {
    const dir = resolve(dataDir, 'pglite');
    await mkdir(dir, { recursive: true });
    const db = await PGlite.create(join(dir));
    const server = new PGLiteSocketServer({ db, host: '127.0.0.1', port: 0, maxConnections: 10 });
    keepProtocolCyclesTogether(server);
    await server.start();
    const address = server.getServerConn();
    return new EmbeddedPostgres(db, server, `postgresql://postgres@${address}/postgres?sslmode=disable`);
  }

  async stop(): Promise<void> {
    await this.server.stop();
    await this.db.close();
  }
}
