import { z } from 'zod';

/** GET /healthz: 200 when ready, 503 (same shape, without the details it could not read) otherwise. */
export const livenessView = z
  .strictObject({
    status: z.enum(['ok', 'migrating', 'unavailable']),
    database: z.enum(['up', 'down']),
    pendingMigrations: z.array(z.string()).optional(),
    embedded: z.boolean().optional().describe('the database is the embedded one under PORTICO_DATA_DIR'),
  })
  .meta({ id: 'Liveness' });
