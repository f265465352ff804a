import { z } from 'zod';
import { labels } from '../../../common/validation/fields.js';

const wait = z
  .int()
  .min(0)
  .max(3600)
  .optional()
  .describe(
    'seconds to wait for the deployment to finish: 200 when it did, 202 when it still runs; default 0',
  );

export const createDeploymentSchema = z
  .strictObject({
    all: z.literal(true).optional().describe('every agent'),
    selector: labels.optional().describe('agents whose labels contain every key=value'),
    agents: z.array(z.string().min(1).max(64)).min(1).max(1000).optional().describe('agent names or ids'),
    wait,
  })
  .superRefine((body, ctx) => {
    const given = [body.all, body.selector, body.agents].filter((v) => v !== undefined).length;
    if (given !== 1) {
      ctx.addIssue({ code: 'custom', path: ['all'], message: 'give exactly one of all, selector or agents' });
    }
    if (body.selector && Object.keys(body.selector).length === 0) {
      ctx.addIssue({ code: 'custom', path: ['selector'], message: 'needs at least one label' });
    }
  })
  .meta({ id: 'CreateDeployment' });

export const rollbackDeploymentSchema = z.strictObject({ wait }).meta({ id: 'RollbackDeployment' });

export const deploymentListQuery = z.strictObject({
  limit: z.coerce.number().int().min(1).max(500).default(50),
  offset: z.coerce.number().int().min(0).default(0),
  status: z
    .enum(['pending', 'running', 'succeeded', 'succeeded_with_warnings', 'partially_failed', 'failed'])
    .optional(),
  agentId: z.uuid().optional(),
});

export type CreateDeployment = z.infer<typeof createDeploymentSchema>;
export type RollbackDeployment = z.infer<typeof rollbackDeploymentSchema>;
export type DeploymentListQuery = z.infer<typeof deploymentListQuery>;
