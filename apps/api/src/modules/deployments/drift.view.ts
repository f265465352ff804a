import { z } from 'zod';
import { timestamp } from '../../common/http/view-schema.js';

/** GET /agents/{id}/drift: the host's files against what Portico last deployed there. */
export const driftView = z
  .strictObject({
    agentId: z.uuid(),
    checkedAt: timestamp,
    deployed: z
      .strictObject({
        deploymentId: z.uuid(),
        targetId: z.uuid(),
        revision: z.int(),
        finishedAt: timestamp.nullable(),
      })
      .nullable()
      .describe('the last converged deployment to this agent'),
    inSync: z.boolean(),
    liveRevision: z.string().nullable(),
    changed: z.array(z.string()).describe('content differs from what was deployed'),
    modeChanged: z.array(z.string()),
    missing: z.array(z.string()),
    extra: z.array(z.string()),
    handEdited: z.array(z.string()).describe('edited on the host by hand'),
    hookInstalled: z.boolean(),
  })
  .meta({ id: 'Drift' });
