import { Injectable } from '@nestjs/common';
import { AppError } from '../../common/errors/app-error.js';
import { PrismaService } from '../../database/prisma.service.js';
import type { Agent } from '../../generated/prisma/client.js';
import { AgentConnector } from '../agent-hosts/agent-connector.js';
import type { DriftReport } from '../deploy/deploy-outcome.js';
import { HostDeployer } from '../deploy/host-deployer.js';
import type { RenderedFile } from '../render/fleet-state.js';
import { AgentLocks } from './agent-locks.js';
import { DeploymentsRepository } from './deployments.repository.js';
import { FileSnapshotRepository } from './file-snapshot.repository.js';

/** How long the periodic check waits for a busy agent before it skips this round. */
const LOCK_WAIT_MS = 3_000;

/** Files on a host vs. what Portico last deployed there (the newest converged target's file set). */
@Injectable()
export class DriftService {
  constructor(
    private readonly prisma: PrismaService,
    private readonly repo: DeploymentsRepository,
    private readonly snapshots: FileSnapshotRepository,
    private readonly connector: AgentConnector,
    private readonly locks: AgentLocks,
  ) {}

  /**
   * The periodic check: only while no deploy, recovery or other check holds the agent (their
   * lock), so it never reads a host between a switch and its recorded result. null: busy, skipped.
   */
  async checkIdle(agentId: string): Promise<Awaited<ReturnType<DriftService['check']>> | null> {
    // A run releases the lock just after it reports its end: a check that follows that report
    // waits the moment out rather than skipping.
    // Work queued for the agent goes first: a deploy is about to change the host anyway, and a
    // check holding the lock would only delay it.
    const deadline = Date.now() + LOCK_WAIT_MS;
    for (;;) {
      if (await this.repo.agentHasWork(agentId)) return null;
      if (await this.locks.tryLock(agentId)) break;
      if (Date.now() > deadline) return null;
      await new Promise((r) => setTimeout(r, 100));
    }
    try {
      return await this.check(agentId);
    } finally {
      await this.locks.unlock(agentId).catch(() => undefined);
    }
  }

  async check(agentId: string) {
    const agent = (await this.prisma.agent.findUnique({ where: { id: agentId } })) ?? notFound(agentId);
    const last = await this.repo.lastConverged(agentId);
    // Never deployed: everything Portico would own on the host counts as extra.
    const files = last?.snapshotHash ? await this.snapshots.load(last.snapshotHash) : [];
    const report = await this.compare(agent, files);
    return {
      agentId,
      checkedAt: new Date().toISOString(),
      deployed: last
        ? {
            deploymentId: last.deploymentId,
            targetId: last.id,
            revision: last.revision,
            finishedAt: last.finishedAt,
          }
        : null,
      ...report,
    };
  }

  /** One connection, one inventory read on the host. */
  async compare(agent: Agent, files: RenderedFile[]): Promise<DriftReport> {
    const transport = await this.connector.connect(agent);
    try {
      return await new HostDeployer(transport, this.connector.settings(agent)).drift(files);
    } finally {
      transport.close();
    }
  }
}

function notFound(id: string): never {
  throw AppError.notFound('Agent', id);
}
