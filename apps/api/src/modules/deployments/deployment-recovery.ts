import { Injectable, Logger } from '@nestjs/common';
import { AppConfig } from '../../config/app-config.js';
import { PrismaService } from '../../database/prisma.service.js';
import { AgentConnector } from '../agent-hosts/agent-connector.js';
import { HostDeployer } from '../deploy/host-deployer.js';
import { EventBus } from '../events/event-bus.js';
import { InstanceIdentity } from '../events/instance-identity.js';
import { AgentLocks } from './agent-locks.js';
import { deploymentEvent, targetEvent } from './deployment-events.js';
import { DeploymentsRepository, type FinishResult } from './deployments.repository.js';
import { FileSnapshotRepository } from './file-snapshot.repository.js';

type Orphan = Awaited<ReturnType<DeploymentsRepository['runningTargets']>>[number];

/** Steps after which the new tree may be live while the proxy still runs the old config. */
const SWITCHED_NOT_RELOADED = new Set(['switch', 'reload']);

/**
 * Nothing stays running or pending forever. A running target's owner holds the agent's advisory
 * lock for the whole run, so a running target whose lock can be taken has no owner any more (its
 * instance died, and Postgres ended its session): it is marked failed and its host is checked
 * again. A pending target that waited longer than DEPLOY_AGENT_WAIT_MS fails with AGENT_BUSY.
 * Runs at boot, before this instance claims anything, and on every runner tick.
 */
@Injectable()
export class DeploymentRecovery {
  private readonly logger = new Logger('DeploymentRecovery');
  private readonly rechecks = new Set<Promise<void>>();

  constructor(
    private readonly prisma: PrismaService,
    private readonly repo: DeploymentsRepository,
    private readonly snapshots: FileSnapshotRepository,
    private readonly connector: AgentConnector,
    private readonly locks: AgentLocks,
    private readonly bus: EventBus,
    private readonly instance: InstanceIdentity,
    private readonly config: AppConfig,
  ) {}

  /**
   * `active`: targets this instance is running; `held`: their agents (this instance's own locks
   * are re-entrant, so those agents are skipped rather than tested).
   */
  async sweep(active: ReadonlySet<string>, held: ReadonlySet<string>): Promise<void> {
    await this.reclaimOrphans(active, held);
    await this.expirePending();
  }

  /** Host re-checks still running (tests and shutdown wait for them). */
  async settled(): Promise<void> {
    await Promise.allSettled([...this.rechecks]);
  }

  async reclaimOrphans(active: ReadonlySet<string>, held: ReadonlySet<string>): Promise<void> {
    for (const orphan of await this.repo.runningTargets()) {
      if (active.has(orphan.id) || held.has(orphan.agentId)) continue;
      if (!(await this.locks.tryLock(orphan.agentId))) continue; // its owner is alive and working
      let result: FinishResult;
      const where = orphan.step ? `during step ${orphan.step}` : 'before its first step';
      const error =
        orphan.instanceId === this.instance.id
          ? `RUN_ABORTED: this instance's run stopped ${where} without recording a result (see the server log)`
          : `INSTANCE_LOST: API instance ${orphan.instanceId ?? 'unknown'} stopped ${where}; the target was not finished`;
      try {
        result = await this.repo.finishTarget(
          orphan,
          { status: 'running', instanceId: orphan.instanceId },
          { status: 'failed', error, finishedAt: new Date(), step: null },
        );
      } finally {
        await this.locks.unlock(orphan.agentId);
      }
      if (!result.updated) continue;
      this.logger.warn(
        { targetId: orphan.id, agentId: orphan.agentId, owner: orphan.instanceId },
        'orphaned target marked failed',
      );
      await this.repo.appendLog(
        orphan.id,
        `${new Date().toISOString()} recovery by ${this.instance.id}: ${error}\n`,
      );
      this.bus.publish(targetEvent('target.finished', orphan, { status: 'failed', message: error }));
      if (result.deploymentStatus) {
        this.bus.publish(
          deploymentEvent('deployment.finished', orphan.deploymentId, result.deploymentStatus),
        );
      }
      const recheck = this.recheck(orphan).finally(() => this.rechecks.delete(recheck));
      this.rechecks.add(recheck);
    }
  }

  async expirePending(): Promise<void> {
    const waitMs = this.config.deploy.agentWaitMs;
    for (const target of await this.repo.pendingSince(new Date(Date.now() - waitMs))) {
      const seconds = Math.round(waitMs / 1000);
      const error = (await this.repo.agentBusy(target.agentId))
        ? `AGENT_BUSY: agent ${target.agent.name} was busy with another deployment for ${seconds} s`
        : `NOT_STARTED: no API instance started the target within ${seconds} s`;
      const result = await this.repo.finishTarget(
        target,
        { status: 'pending' },
        { status: 'failed', error, finishedAt: new Date() },
      );
      if (!result.updated) continue;
      this.bus.publish(targetEvent('target.finished', target, { status: 'failed', message: error }));
      if (result.deploymentStatus) {
        this.bus.publish(
          deploymentEvent('deployment.finished', target.deploymentId, result.deploymentStatus),
        );
      }
    }
  }

  /**
   * What the dead instance left on the host: this target's files live, the previous deployment's,
   * or neither. When it died between switch and reload, the tree on disk is newer than what the
   * proxy runs: validate it and reload, which is what the deploy was about to do.
   */
  private async recheck(orphan: Orphan): Promise<void> {
    let line: string;
    try {
      const agent = await this.prisma.agent.findUniqueOrThrow({ where: { id: orphan.agentId } });
      const files = orphan.snapshotHash ? await this.snapshots.load(orphan.snapshotHash) : [];
      const transport = await this.connector.connect(agent);
      try {
        const settings = this.connector.settings(agent);
        const deployer = new HostDeployer(transport, settings);
        const drift = await deployer.drift(files);
        if (drift.inSync) {
          line = `host checked: this target's files are live (revision ${drift.liveRevision})`;
          if (orphan.step && SWITCHED_NOT_RELOADED.has(orphan.step)) {
            const valid = await transport.exec(`( ${settings.validateCommand} ) 2>&1`);
            const reload =
              valid.code === 0 ? await transport.exec(`( ${settings.reloadCommand} ) 2>&1`) : null;
            line +=
              valid.code !== 0
                ? `; they do not validate (${valid.stdout.trim().slice(-300)}): redeploy or roll back`
                : reload?.code === 0
                  ? '; validated and reloaded, so the proxy runs them'
                  : `; reload failed (${reload?.stdout.trim().slice(-300)}): the host needs a person`;
          }
        } else {
          const last = await this.repo.lastConverged(agent.id);
          const previous = last?.snapshotHash
            ? await deployer.drift(await this.snapshots.load(last.snapshotHash))
            : null;
          line = previous?.inSync
            ? `host checked: the previous deployment is still live (revision ${last?.revision})`
            : `host checked: it matches neither this target nor the last converged deployment ` +
              `(live revision ${drift.liveRevision ?? 'none'}; vs this target: changed ${drift.changed.length}, ` +
              `missing ${drift.missing.length}, extra ${drift.extra.length})`;
        }
      } finally {
        transport.close();
      }
    } catch (error) {
      line = `host check failed: ${error instanceof Error ? error.message : String(error)}`;
    }
    this.logger.log(
      { targetId: orphan.id, agentId: orphan.agentId, result: line },
      'recovered target re-checked',
    );
    await this.repo
      .appendLog(orphan.id, `${new Date().toISOString()} recovery: ${line}\n`)
      .catch(() => undefined);
    this.bus.publish(targetEvent('target.step', orphan, { step: 'recheck', status: 'done', message: line }));
  }
}
