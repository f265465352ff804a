import { Injectable } from '@nestjs/common';
import { z } from 'zod';
import { AppError } from '../../common/errors/app-error.js';
import { SecretBox } from '../../common/secrets/secret-box.js';
import { retryOnDeadlock } from '../../database/deadlock-retry.js';
import { PrismaService, Tx } from '../../database/prisma.service.js';
import { AuditService } from '../audit/audit.service.js';
import type { Actor } from '../auth/principal.js';
import { RestoredStateCheck } from './restored-state-check.js';
import { orderByForeignKeys } from './table-order.js';

export const BACKUP_FORMAT = 'portico-backup';
export const BACKUP_VERSION = 1;

/**
 * Rows that only make sense on the instance that wrote them: live sessions, worker heartbeats,
 * and the master key's check value (the target records its own; `keyCheck` proves they agree).
 */
const EPHEMERAL_TABLES = new Set(['_prisma_migrations', 'Session', 'HealthWorker', 'MasterKeyCheck']);
/** A restore only goes into a Portico that holds no desired state yet (unless forced). */
const DESIRED_STATE_TABLES = ['Agent', 'Site', 'Upstream', 'Service', 'Certificate'];
const KEY_CHECK = 'portico-backup-key-check';

export const backupSchema = z.object({
  format: z.literal(BACKUP_FORMAT),
  version: z.literal(BACKUP_VERSION),
  createdAt: z.string(),
  migrations: z.array(z.string()),
  /** A known text sealed with the master key: a restore proves it holds the same key. */
  keyCheck: z.string(),
  tables: z.record(z.string(), z.array(z.record(z.string(), z.unknown()))),
});

export type Backup = z.infer<typeof backupSchema>;

/**
 * Backup and restore of everything Portico stores (desired state, users and tokens, sealed
 * secrets, certificates with their order history, deployments and file snapshots, health
 * history, audit), table by table as JSON rows. Generic over the schema: every table in the
 * database is included, so tables added by later migrations are carried without changes here;
 * a backup restores only into a database with exactly the same migrations.
 */
@Injectable()
export class BackupService {
  constructor(
    private readonly prisma: PrismaService,
    private readonly secrets: SecretBox,
    private readonly audit: AuditService,
    private readonly restoredState: RestoredStateCheck,
  ) {}

  async backup(): Promise<Backup> {
    return this.prisma.$transaction(
      async (tx) => {
        const tables: Backup['tables'] = {};
        for (const table of await this.tables(tx)) {
          const [row] = await tx.$queryRawUnsafe<{ rows: Record<string, unknown>[] }[]>(
            `SELECT coalesce(json_agg(t), '[]'::json) AS rows FROM "${table}" t`,
          );
          tables[table] = row?.rows ?? [];
        }
        return {
          format: BACKUP_FORMAT,
          version: BACKUP_VERSION,
          createdAt: new Date().toISOString(),
          migrations: await migrations(tx),
          keyCheck: this.secrets.seal(KEY_CHECK),
          tables,
        } satisfies Backup;
      },
      { isolationLevel: 'RepeatableRead', maxWait: 30_000, timeout: 300_000 },
    );
  }

  async restore(input: unknown, actor: Actor, force: boolean): Promise<{ tables: Record<string, number> }> {
    const parsed = backupSchema.safeParse(input);
    if (!parsed.success) {
      throw new AppError('BACKUP_INVALID', 'This is not a Portico backup', {
        issues: parsed.error.issues.slice(0, 5),
      });
    }
    const backup = parsed.data;
    this.checkKey(backup.keyCheck);
    // TRUNCATE locks every table in turn while probes and sessions keep writing: a deadlock is
    // possible, and this transaction is the one to redo when Postgres picks it.
    return retryOnDeadlock(() => this.restoreIn(backup, actor, force));
  }

  private restoreIn(
    backup: Backup,
    actor: Actor,
    force: boolean,
  ): Promise<{ tables: Record<string, number> }> {
    return this.prisma.$transaction(
      async (tx) => {
        await tx.$executeRaw`SELECT pg_advisory_xact_lock(hashtext('portico:restore'))`;
        const ours = await migrations(tx);
        if (ours.join('\n') !== backup.migrations.join('\n')) {
          throw new AppError(
            'BACKUP_INCOMPATIBLE',
            'The backup was made by a Portico with different database migrations; restore it with the same version',
            { backup: backup.migrations, database: ours },
          );
        }
        const tables = await this.tables(tx);
        const unknown = Object.keys(backup.tables).filter((t) => !tables.includes(t));
        if (unknown.length) {
          throw new AppError(
            'BACKUP_INCOMPATIBLE',
            `The backup has tables this database lacks: ${unknown.join(', ')}`,
          );
        }
        if (!force) await assertNoDesiredState(tx);
        const quoted = [...tables, 'Session'].map((t) => `"${t}"`).join(', ');
        await tx.$executeRawUnsafe(`TRUNCATE ${quoted} CASCADE`);
        const counts: Record<string, number> = {};
        for (const table of tables) {
          const rows = backup.tables[table] ?? [];
          counts[table] = rows.length;
          if (!rows.length) continue;
          await tx.$executeRawUnsafe(
            `INSERT INTO "${table}" SELECT * FROM json_populate_recordset(NULL::"${table}", $1::json)`,
            JSON.stringify(rows),
          );
        }
        await this.restoredState.check(tx, actor);
        await this.audit.record(tx, actor, {
          action: 'backup.restore',
          targetType: 'fleet',
          after: { createdAt: backup.createdAt, tables: counts },
        });
        return { tables: counts };
      },
      { maxWait: 30_000, timeout: 300_000 },
    );
  }

  private checkKey(sealed: string): void {
    try {
      if (this.secrets.open(sealed) === KEY_CHECK) return;
    } catch {
      // falls through to the error below
    }
    throw new AppError(
      'BACKUP_INCOMPATIBLE',
      'The backup was sealed with a different master key: start Portico with the PORTICO_SECRET_KEY (or secret.key) of the instance that made it',
    );
  }

  /** Every table to carry, parents before children. */
  private async tables(tx: Tx): Promise<string[]> {
    const names = await tx.$queryRaw<{ name: string }[]>`
      SELECT table_name AS name FROM information_schema.tables
      WHERE table_schema = current_schema() AND table_type = 'BASE TABLE'`;
    const edges = await tx.$queryRaw<{ child: string; parent: string }[]>`
      SELECT c.conrelid::regclass::text AS child, c.confrelid::regclass::text AS parent
      FROM pg_constraint c JOIN pg_namespace n ON n.oid = c.connamespace
      WHERE c.contype = 'f' AND n.nspname = current_schema()`;
    const unquote = (n: string) => n.replace(/^"|"$/g, '');
    return orderByForeignKeys(
      names.map((n) => n.name).filter((n) => !EPHEMERAL_TABLES.has(n)),
      edges.map((e) => ({ child: unquote(e.child), parent: unquote(e.parent) })),
    );
  }
}

async function migrations(tx: Tx): Promise<string[]> {
  const rows = await tx.$queryRaw<{ name: string }[]>`
    SELECT migration_name AS name FROM _prisma_migrations
    WHERE finished_at IS NOT NULL AND rolled_back_at IS NULL ORDER BY migration_name`;
  return rows.map((r) => r.name);
}

async function assertNoDesiredState(tx: Tx): Promise<void> {
  for (const table of DESIRED_STATE_TABLES) {
    const [row] = await tx.$queryRawUnsafe<{ n: number }[]>(`SELECT count(*)::int AS n FROM "${table}"`);
    if (row && row.n > 0) {
      throw new AppError(
        'RESTORE_NOT_EMPTY',
        `This Portico already holds desired state (${table}); restore into a fresh database or pass force=true to replace everything`,
      );
    }
  }
}
