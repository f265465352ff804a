import { Logger } from '@nestjs/common';
import { AppError } from '../../common/errors/app-error.js';
import type { DeploySettings } from '../../config/app-config.js';
import type { Prisma } from '../../generated/prisma/client.js';
import { AgentConnector } from '../agent-hosts/agent-connector.js';
import type { DeployProgress, DeployStep } from '../deploy/deploy-outcome.js';
import { HostDeployer } from '../deploy/host-deployer.js';
import type { SshTransport } from '../deploy/ssh.transport.js';
import { withTimeout } from '../deploy/with-timeout.js';
import { EventBus } from '../events/event-bus.js';
import type { TargetEvent } from '../events/portico-event.js';
import { deploymentEvent, targetEvent } from './deployment-events.js';
import type { DeploymentsRepository, TargetRef } from './deployments.repository.js';
import type { FileSnapshotRepository } from './file-snapshot.repository.js';
import { HostSettlement } from './host-settlement.js';
import { loadSettlementTree } from './settlement-tree.js';
import { resultOfError, resultOfOutcome, type TargetResult } from './target-result.js';
import { httpChecks, type StoredCheck } from './verify-checks.js';

export interface TargetRunDeps {
  repo: DeploymentsRepository;
  snapshots: FileSnapshotRepository;
  connector: AgentConnector;
  bus: EventBus;
  instanceId: string;
  settings: DeploySettings;
}

/**
 * One claimed target on this instance: connect, run the host protocol with the stored file set,
 * keep the log and step in the database as it goes, publish progress, store the result. The
 * caller holds the agent's lock for the whole run.
 */
export class TargetRun {
  private readonly logger = new Logger('TargetRun');
  private readonly lines: string[] = [];
  private transport: SshTransport | null = null;
  private saving: Promise<void> = Promise.resolve();
  private abandoned = false;

  constructor(
    private readonly deps: TargetRunDeps,
    readonly ref: TargetRef,
  ) {}

  /**
   * Stops caring about the outcome (instance shutting down past its grace period): the SSH
   * connection is cut, nothing more is written, and the target stays `running` for the recovery
   * of whichever instance runs next.
   */
  abandon(): void {
    this.abandoned = true;
    this.transport?.close();
  }

  async execute(): Promise<void> {
    const { repo, bus } = this.deps;
    const target = await repo.loadTarget(this.ref.id);
    if (!target) return; // its agent or deployment was deleted meanwhile
    if (await repo.markDeploymentRunning(target.deploymentId)) {
      bus.publish(deploymentEvent('deployment.started', target.deploymentId, 'running'));
    }
    // A target queued again by recovery keeps what happened to it before.
    if (target.log) this.lines.push(target.log.trimEnd());
    this.publish('target.started', { status: 'running' });
    this.line(`claimed by ${this.deps.instanceId}; revision ${target.revision} to ${target.agent.name}`);

    let result: TargetResult;
    /** The target's tree is live and verified at the end: it becomes the agent's last verified. */
    let verified = false;
    try {
      if (!target.snapshotHash) throw new Error('the target has no file set to deploy');
      const files = await this.deps.snapshots.load(target.snapshotHash);
      const agent = target.agent;
      this.line(`connecting to ${agent.sshUser}@${agent.address}:${agent.sshPort}`);
      this.transport = await this.deps.connector.connect(agent);
      if (this.abandoned) this.transport.close();
      const checks = httpChecks(target.checks as unknown as StoredCheck[]);
      const transport = this.transport;
      const settings = this.deps.connector.settings(agent);
      const deployer = new HostDeployer(transport, settings);
      const limit = this.deps.settings.targetTimeoutMs;
      const lastVerified = await repo.verifiedTree(agent.id);
      const run = async (): Promise<TargetResult> => {
        const outcome = await deployer.deploy({
          revision: String(target.revision),
          files,
          checks,
          rollbackChecks: checks,
          onProgress: (event) => this.progress(event),
          holdAfter: (step) => this.holdAfter(step),
        });
        const result = resultOfOutcome(outcome);
        if (outcome.status === 'deployed') verified = true;
        // Identical files are only as good as the verify that put them there: a tree some
        // interrupted run switched to and nobody verified is verified now, or undone.
        if (outcome.status !== 'unchanged' || lastVerified?.snapshotHash === target.snapshotHash)
          return result;
        const settlement = await new HostSettlement(transport, settings).settle({
          target: { revision: target.revision, snapshotHash: target.snapshotHash ?? '', files, checks },
          verified: lastVerified ? await loadSettlementTree(this.deps.snapshots, lastVerified) : null,
          touched: true,
          onProgress: (event) => this.progress(event),
        });
        verified = settlement.end === 'verified';
        const lines = [...result.log, ...settlement.lines.map((l) => `not verified before: ${l}`)];
        if (verified) return { ...result, log: lines };
        const why = settlement.lines.at(-1) ?? '';
        return settlement.end === 'restored'
          ? { status: 'rolled_back', error: `verify: ${why}`, log: lines }
          : { status: 'failed', error: `VERIFY_FAILED: ${why}`, log: lines };
      };
      result = await withTimeout(run(), limit, () => this.transport?.close()).catch((error: unknown) => {
        // withTimeout's own timer (not an SSH command's): the whole target took too long.
        if (!(error instanceof AppError) && (error as { code?: string }).code === 'SSH_TIMEOUT') {
          throw new AppError('SSH_TIMEOUT', `the target did not finish within ${limit} ms`);
        }
        throw error;
      });
    } catch (error) {
      result = resultOfError(error);
    } finally {
      this.transport?.close();
    }
    if (this.abandoned) return;

    for (const line of result.log) this.line(line);
    await this.saving;
    const finished = await repo.finishTarget(
      this.ref,
      { status: 'running', instanceId: this.deps.instanceId },
      {
        status: result.status,
        error: result.error,
        warning: result.warning ?? null,
        finishedAt: new Date(),
        log: this.text(),
        step: null,
      },
      verified && result.status !== 'failed' && target.snapshotHash
        ? {
            targetId: target.id,
            revision: target.revision,
            snapshotHash: target.snapshotHash,
            checks: target.checks as Prisma.InputJsonValue,
          }
        : null,
    );
    if (!finished.updated) {
      this.logger.warn({ targetId: this.ref.id }, 'target was finished by someone else (recovery?)');
      return;
    }
    this.logger.log(
      { targetId: this.ref.id, agentId: this.ref.agentId, status: result.status },
      'target finished',
    );
    this.publish('target.finished', {
      status: result.status,
      message: result.error ?? result.warning ?? undefined,
    });
    if (finished.deploymentStatus) {
      bus.publish(deploymentEvent('deployment.finished', this.ref.deploymentId, finished.deploymentStatus));
    }
  }

  private progress(event: DeployProgress): void {
    const took = event.durationMs === undefined ? '' : ` (${event.durationMs} ms)`;
    this.line(`${event.step} ${event.status}${took}${event.detail ? `: ${event.detail}` : ''}`, event.at);
    this.publish('target.step', { step: event.step, status: event.status, message: event.detail });
    if (event.status === 'started') {
      const log = this.text();
      this.saving = this.saving
        .then(() =>
          this.abandoned
            ? undefined
            : this.deps.repo.saveProgress(this.ref.id, this.deps.instanceId, event.step, log),
        )
        .catch((error: unknown) =>
          this.logger.warn({ err: error, targetId: this.ref.id }, 'saving progress failed'),
        );
    }
  }

  /**
   * The test hook DEPLOY_TEST_HOLD_AFTER_STEP: once the step's work is done the run records that
   * it holds there and never goes on, so a test can kill the instance at a known point.
   */
  private async holdAfter(step: DeployStep): Promise<void> {
    if (this.deps.settings.testHoldAfterStep !== step) return;
    this.line(`held after ${step} (DEPLOY_TEST_HOLD_AFTER_STEP)`);
    await this.saving;
    await this.deps.repo.saveProgress(this.ref.id, this.deps.instanceId, step, this.text());
    await new Promise<never>(() => undefined);
  }

  private line(text: string, at = Date.now()): void {
    this.lines.push(`${new Date(at).toISOString()} ${text}`);
  }

  private text(): string {
    return `${this.lines.join('\n')}\n`;
  }

  private publish(
    type: TargetEvent['type'],
    fields: { status?: string; step?: string; message?: string },
  ): void {
    this.deps.bus.publish(targetEvent(type, this.ref, fields));
  }
}
