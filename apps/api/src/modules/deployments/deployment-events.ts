import type { DeploymentEvent, TargetEvent } from '../events/portico-event.js';

/** deployment.started / deployment.finished for the bus. */
export function deploymentEvent(
  type: DeploymentEvent['type'],
  deploymentId: string,
  status: string,
): DeploymentEvent {
  return {
    type,
    deploymentId,
    status,
    at: new Date().toISOString(),
    topics: ['fleet', `deployment:${deploymentId}`],
  };
}

/** target.started / target.step / target.finished for the bus. */
export function targetEvent(
  type: TargetEvent['type'],
  target: { deploymentId: string; agentId: string },
  fields: { status?: string; step?: string; message?: string } = {},
): TargetEvent {
  return {
    type,
    deploymentId: target.deploymentId,
    agentId: target.agentId,
    ...fields,
    at: new Date().toISOString(),
    topics: ['fleet', `deployment:${target.deploymentId}`, `agent:${target.agentId}`],
  };
}
