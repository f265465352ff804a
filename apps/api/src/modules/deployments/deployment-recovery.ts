import { Injectable, Logger } from '@nestjs/common';
import { AppConfig } from '../../config/app-config.js';
import { PrismaService } from '../../database/prisma.service.js';
import type { Prisma } from '../../generated/prisma/client.js';
import { AgentConnector } from '../agent-hosts/agent-connector.js';
import { EventBus } from '../events/event-bus.js';
import { InstanceIdentity } from '../events/instance-identity.js';
import { AgentLocks } from './agent-locks.js';
import { deploymentEvent, targetEvent } from './deployment-events.js';
import { DeploymentsRepository, type FinishResult } from './deployments.repository.js';
import { FileSnapshotRepository } from './file-snapshot.repository.js';
import { HostSettlement, type Settlement } from './host-settlement.js';
import { loadSettlementTree } from './settlement-tree.js';

type Orphan = Awaited<ReturnType<DeploymentsRepository['runningTargets']>>[number];

/** Recorded steps after which the proxy may run something other than the last verified tree. */
const PAST_THE_SWITCH = new Set(['switch', 'reload', 'verify', 'rollback', 'prune', 'recover']);

/** A target found untouched is queued again at most this often (a run that kills its instance must not loop). */
const MAX_REQUEUES = 2;

/**
 * Nothing stays running or pending forever, and no host stays on a tree nobody verified. A
 * running target's owner holds the agent's advisory lock for the whole run, so a running target
 * whose lock can be taken has no owner any more (its instance died, and Postgres ended its
 * session). Recovery takes it over, keeps the lock, and settles the host with the deploy protocol
 * (HostSettlement): the target's tree live and verified → succeeded; back on the last verified
 * tree → rolled_back; never got past validate → pending again. A pending target that waited longer
 * than DEPLOY_AGENT_WAIT_MS fails with AGENT_BUSY. Runs at boot, before this instance claims
 * anything, and on every runner tick.
 */
@Injectable()
export class DeploymentRecovery {
  private readonly logger = new Logger('DeploymentRecovery');
  /** Agents whose orphaned target this instance is settling (it holds their locks). */
  private readonly settling = new Map<string, Promise<void>>();

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

  /** True while this instance settles the agent's host: the runner must not claim it. */
  isSettling(agentId: string): boolean {
    return this.settling.has(agentId);
  }

  /** Settlements still running (tests and shutdown wait for them). */
  async settled(): Promise<void> {
    await Promise.allSettled([...this.settling.values()]);
  }

  async reclaimOrphans(active: ReadonlySet<string>, held: ReadonlySet<string>): Promise<void> {
    for (const orphan of await this.repo.runningTargets()) {
      const agentId = orphan.agentId;
      if (active.has(orphan.id) || held.has(agentId) || this.settling.has(agentId)) continue;
      if (!(await this.locks.tryLock(agentId))) continue; // its owner is alive and working
      const taken = await this.repo
        .takeOver(orphan.id, orphan.instanceId, this.instance.id)
        .catch(() => false);
      if (!taken) {
        await this.locks.unlock(agentId);
        continue;
      }
      const work = this.settle(orphan)
        .catch((error: unknown) => this.logger.error({ err: error, targetId: orphan.id }, 'recovery failed'))
        .finally(async () => {
          this.settling.delete(agentId);
          await this.locks.unlock(agentId).catch(() => undefined);
        });
      this.settling.set(agentId, work);
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

  /** Settles one orphan's host and ends (or re-queues) the target by what the host serves now. */
  private async settle(orphan: Orphan): Promise<void> {
    const step = orphan.step;
    const where =
      step === 'recover' ? 'while recovering it' : step ? `during step ${step}` : 'before its first step';
    const lost =
      orphan.instanceId === this.instance.id
        ? `RUN_ABORTED: this instance's run stopped ${where}`
        : `INSTANCE_LOST: API instance ${orphan.instanceId ?? 'unknown'} stopped ${where}`;
    const touched = step !== null && PAST_THE_SWITCH.has(step);
    const canRequeue = orphan.requeues < MAX_REQUEUES;
    this.logger.warn({ targetId: orphan.id, agentId: orphan.agentId, owner: orphan.instanceId }, lost);
    await this.log(orphan, `recovery by ${this.instance.id}: ${lost}`);
    this.bus.publish(
      targetEvent('target.step', orphan, { step: 'recover', status: 'started', message: lost }),
    );

    let settlement: Settlement;
    try {
      if (!orphan.snapshotHash) throw new Error('the target has no file set');
      const agent = await this.prisma.agent.findUniqueOrThrow({ where: { id: orphan.agentId } });
      const target = await loadSettlementTree(this.snapshots, {
        ...orphan,
        snapshotHash: orphan.snapshotHash,
      });
      const row = await this.repo.verifiedTree(orphan.agentId);
      const verified = row ? await loadSettlementTree(this.snapshots, row) : null;
      const transport = await this.connector.connect(agent);
      try {
        settlement = await new HostSettlement(transport, this.connector.settings(agent)).settle({
          target,
          verified,
          touched,
          onProgress: (event) =>
            this.bus.publish(
              targetEvent('target.step', orphan, {
                step: event.step,
                status: event.status,
                message: event.detail,
              }),
            ),
        });
      } finally {
        transport.close();
      }
    } catch (error) {
      const reason = `the host could not be checked: ${error instanceof Error ? error.message : String(error)}`;
      settlement = { end: touched ? 'stuck' : 'untouched', lines: [reason] };
    }
    for (const line of settlement.lines) await this.log(orphan, `recovery: ${line}`);

    if (settlement.end === 'untouched' && !touched && canRequeue) {
      if (await this.repo.requeue(orphan.id, this.instance.id, stamp('recovery: queued again\n'))) {
        this.logger.log({ targetId: orphan.id }, 'orphaned target queued again');
        this.bus.publish(
          targetEvent('target.step', orphan, { step: 'recover', status: 'done', message: 'queued again' }),
        );
      }
      return;
    }
    const last = settlement.lines.at(-1) ?? '';
    const [status, error] =
      settlement.end === 'verified'
        ? (['succeeded', null] as const)
        : settlement.end === 'restored' || settlement.end === 'untouched'
          ? (['rolled_back', `${lost}; recovery: ${last}`] as const)
          : (['failed', `${lost}; recovery: ${last}`] as const);
    const verified =
      settlement.end === 'verified' && orphan.snapshotHash
        ? {
            targetId: orphan.id,
            revision: orphan.revision,
            snapshotHash: orphan.snapshotHash,
            checks: orphan.checks as Prisma.InputJsonValue,
          }
        : null;
    const result: FinishResult = await this.repo.finishTarget(
      orphan,
      { status: 'running', instanceId: this.instance.id },
      { status, error, finishedAt: new Date(), step: null },
      verified,
    );
    if (!result.updated) return;
    this.logger.log(
      { targetId: orphan.id, agentId: orphan.agentId, status, result: last },
      'orphaned target settled',
    );
    this.bus.publish(targetEvent('target.finished', orphan, { status, message: error ?? last }));
    if (result.deploymentStatus) {
      this.bus.publish(deploymentEvent('deployment.finished', orphan.deploymentId, result.deploymentStatus));
    }
  }

  private async log(orphan: Orphan, line: string): Promise<void> {
    await this.repo.appendLog(orphan.id, stamp(`${line}\n`)).catch(() => undefined);
  }
}

function stamp(text: string): string {
  return `${new Date().toISOString()} ${text}`;
}
