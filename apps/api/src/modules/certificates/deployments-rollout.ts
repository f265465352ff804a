import { Injectable } from '@nestjs/common';
import { DeploymentsService } from '../deployments/deployments.service.js';
import { CertificateRollout, type RolloutRequest, type RolloutResult } from './certificate-rollout.js';
import { SCHEDULER_ACTOR } from './system-actor.js';

/** Ships a stored certificate through the fleet deployment runner, to the agents that serve it. */
@Injectable()
export class DeploymentsRollout extends CertificateRollout {
  constructor(private readonly deployments: DeploymentsService) {
    super();
  }

  async deploy(request: RolloutRequest): Promise<RolloutResult> {
    if (request.agentIds.length === 0) return { status: 'started', detail: 'no agent serves it' };
    const { deployment } = await this.deployments.create({ agents: request.agentIds }, SCHEDULER_ACTOR);
    return { status: 'started', deploymentId: deployment.id, detail: request.reason };
  }
}
