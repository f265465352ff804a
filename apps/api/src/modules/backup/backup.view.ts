import { z } from 'zod';

/** GET /backup: every table's rows (sealed secrets stay sealed), restorable with POST /restore. */
export const backupView = z
  .strictObject({
    format: z.literal('portico-backup'),
    version: z.literal(1),
    createdAt: z.string(),
    migrations: z.array(z.string()),
    keyCheck: z.string().describe('a known text sealed with the master key'),
    tables: z.record(z.string(), z.array(z.record(z.string(), z.unknown()))),
  })
  .meta({ id: 'Backup' });

/** POST /restore: how many rows of each table were restored. */
export const restoreResultView = z
  .strictObject({ tables: z.record(z.string(), z.int()) })
  .meta({ id: 'RestoreResult' });
