import type { Deployment, DeploymentTarget } from '../../generated/prisma/client.js';

type TargetRow = DeploymentTarget & { agent: { name: string } };

/** A target as the API shows it: no snapshot internals, timings ready to read. */
export function toTargetView({ snapshotHash: _, agent, ...t }: TargetRow) {
  return {
    ...t,
    agentName: agent.name,
    durationMs: t.startedAt && t.finishedAt ? t.finishedAt.getTime() - t.startedAt.getTime() : null,
  };
}

export function toDeploymentView(d: Deployment & { targets?: TargetRow[] }) {
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
