import { z } from 'zod';
import { deploymentView } from '../deployments/deployment.view.js';

const kind = z.enum(['agents', 'upstreams', 'certificatePolicies', 'sites', 'services']);

/** POST /apply: the plan (what changes, field by field), whether it was written, the revision. */
export const applyResultView = z
  .strictObject({
    dryRun: z.boolean(),
    applied: z.boolean().describe('whether anything was written'),
    revision: z.int(),
    changes: z.array(
      z
        .strictObject({
          action: z.enum(['create', 'update', 'delete']),
          kind: z.enum(['agent', 'upstream', 'certificatePolicy', 'site', 'service']),
          name: z.string(),
          fields: z.array(
            z.strictObject({
              field: z.string(),
              before: z.unknown().optional(),
              after: z.unknown().optional(),
            }),
          ),
        })
        .meta({ id: 'PlannedChange' }),
    ),
    summary: z.strictObject({ create: z.int(), update: z.int(), delete: z.int(), unchanged: z.int() }),
    managed: z.array(kind).describe('the sections the document manages; other kinds were left alone'),
    agents: z
      .array(
        z.strictObject({
          agent: z.string(),
          status: z.enum(['added', 'removed', 'changed', 'unchanged']),
          files: z.array(
            z.strictObject({ path: z.string(), change: z.enum(['added', 'removed', 'changed']) }),
          ),
          error: z
            .strictObject({ code: z.string(), message: z.string(), details: z.unknown().optional() })
            .optional(),
        }),
      )
      .optional()
      .describe("dry run only: each agent's rendered files compared with today's"),
    deployment: deploymentView.optional().describe('deploy=true: the deployment it started'),
  })
  .meta({ id: 'ApplyResult' });
