import { z } from 'zod';
import { pageView, timestamp } from '../../common/http/view-schema.js';
import type { Deployment, DeploymentTarget } from '../../generated/prisma/client.js';

type TargetRow = DeploymentTarget & { agent: { name: string } };

const deploymentStatus = z.enum([
  'pending',
  'running',
  'succeeded',
  'succeeded_with_warnings',
  'partially_failed',
  'failed',
]);

/** A target as the API shows it: no snapshot internals, timings ready to read. */
export const deploymentTargetView = z
  .strictObject({
    id: z.uuid(),
    deploymentId: z.uuid(),
    agentId: z.uuid(),
    agentName: z.string(),
    status: z.enum(['pending', 'running', 'succeeded', 'unchanged', 'failed', 'rolled_back']),
    step: z.string().nullable().describe('the step running now'),
    log: z.string(),
    error: z.string().nullable(),
    warning: z
      .string()
      .nullable()
      .describe('converged, but verify saw an upstream error (502/503/504) on this host'),
    revision: z.int(),
    fileHashes: z.record(z.string(), z.string()).describe('path → sha256 of what this target deploys'),
    checks: z
      .array(z.strictObject({ port: z.int(), hostHeader: z.string(), path: z.string() }))
      .describe('the requests that verify the proxy serves each site'),
    instanceId: z.string().nullable().describe('the Portico instance that ran it'),
    queuedAt: timestamp.describe('when it became pending: at creation, or when recovery queued it again'),
    requeues: z.int().describe('how often recovery queued it again after its instance died'),
    startedAt: timestamp.nullable(),
    finishedAt: timestamp.nullable(),
    durationMs: z.int().nullable(),
  })
  .meta({ id: 'DeploymentTarget' });

const deploymentFields = {
  id: z.uuid(),
  revision: z.int(),
  kind: z.enum(['deploy', 'rollback']),
  status: deploymentStatus,
  selector: z.unknown().describe('what was asked for: all, labels or agent ids'),
  rollbackOfId: z.uuid().nullable(),
  requestedBy: z.string().nullable(),
  createdAt: timestamp,
  startedAt: timestamp.nullable(),
  finishedAt: timestamp.nullable(),
  durationMs: z.int().nullable(),
};

/** One deployment with every target (GET /deployments/{id}, and the answer to starting one). */
export const deploymentView = z
  .strictObject({
    ...deploymentFields,
    targetCounts: z.record(z.string(), z.int()).describe('how many targets are in each status'),
    targets: z.array(deploymentTargetView),
  })
  .meta({ id: 'Deployment' });

/** A deployment in a list: how many targets are in each status instead of the targets. */
export const deploymentSummaryView = z
  .strictObject({ ...deploymentFields, targetCounts: z.record(z.string(), z.int()) })
  .meta({ id: 'DeploymentSummary' });

export const deploymentPageView = pageView(deploymentSummaryView, 'DeploymentPage');

type TargetView = z.output<typeof deploymentTargetView>;
type DeploymentFields = z.output<z.ZodObject<typeof deploymentFields>>;

export function toTargetView({ snapshotHash: _, agent, ...t }: TargetRow): TargetView {
  return {
    ...t,
    // JSON columns hold what the deployment wrote.
    fileHashes: t.fileHashes as TargetView['fileHashes'],
    checks: t.checks as TargetView['checks'],
    agentName: agent.name,
    durationMs: t.startedAt && t.finishedAt ? t.finishedAt.getTime() - t.startedAt.getTime() : null,
  };
}

export function toDeploymentView(
  d: Deployment & { targets?: TargetRow[] },
): DeploymentFields & { targets?: TargetView[]; targetCounts?: Record<string, number> } {
  const { targets, ...deployment } = d;
  return {
    ...deployment,
    durationMs: d.startedAt && d.finishedAt ? d.finishedAt.getTime() - d.startedAt.getTime() : null,
    ...(targets
      ? {
          targetCounts: countBy(targets.map((t) => t.status)),
          targets: [...targets].sort((a, b) => a.agent.name.localeCompare(b.agent.name)).map(toTargetView),
        }
      : {}),
  };
}

function countBy(values: readonly string[]): Record<string, number> {
  const counts: Record<string, number> = {};
  for (const v of values) counts[v] = (counts[v] ?? 0) + 1;
  return counts;
}
