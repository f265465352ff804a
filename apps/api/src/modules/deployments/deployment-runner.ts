import { Injectable, Logger, OnApplicationBootstrap, OnModuleDestroy } from '@nestjs/common';
import { AppConfig } from '../../config/app-config.js';
import { AgentConnector } from '../agent-hosts/agent-connector.js';
import { EventBus } from '../events/event-bus.js';
import { InstanceIdentity } from '../events/instance-identity.js';
import { AgentLocks } from './agent-locks.js';
import { DeploymentRecovery } from './deployment-recovery.js';
import { DeploymentsRepository, type TargetRef } from './deployments.repository.js';
import { FileSnapshotRepository } from './file-snapshot.repository.js';
import { TargetRun } from './target-run.js';

/**
 * Runs pending targets on this instance, at most DEPLOY_CONCURRENCY at once. Every instance runs
 * one; they share the work through the database: a target is taken with a conditional update
 * (exactly one instance wins it) after taking its agent's advisory lock (at most one target per
 * agent at a time, across instances). Woken when this instance creates a deployment, when one
 * of its targets ends, and every DEPLOY_POLL_MS for work created elsewhere.
 */
@Injectable()
export class DeploymentRunner implements OnApplicationBootstrap, OnModuleDestroy {
  private readonly logger = new Logger('DeploymentRunner');
  private readonly runs = new Map<string, { run: TargetRun; done: Promise<void> }>();
  /** Agents whose lock this instance holds (advisory locks are re-entrant per session). */
  private readonly held = new Set<string>();
  private timer: NodeJS.Timeout | undefined;
  private ticking: Promise<void> | null = null;
  private again = false;
  private stopping = false;

  constructor(
    private readonly repo: DeploymentsRepository,
    private readonly snapshots: FileSnapshotRepository,
    private readonly connector: AgentConnector,
    private readonly locks: AgentLocks,
    private readonly recovery: DeploymentRecovery,
    private readonly bus: EventBus,
    private readonly instance: InstanceIdentity,
    private readonly config: AppConfig,
  ) {}

  async onApplicationBootstrap(): Promise<void> {
    // Before claiming anything: targets a dead instance left running are settled first.
    await this.recovery.sweep(new Set(this.runs.keys()), this.held);
    this.timer = setInterval(() => this.kick(), this.config.deploy.pollMs);
    this.timer.unref();
    this.kick();
  }

  /** Look for work now (coalesces with a tick in progress). */
  kick(): void {
    if (this.stopping) return;
    if (this.ticking) {
      this.again = true;
      return;
    }
    this.ticking = this.tick().finally(() => {
      this.ticking = null;
    });
  }

  /** Targets running on this instance right now. */
  get active(): number {
    return this.runs.size;
  }

  private async tick(): Promise<void> {
    do {
      this.again = false;
      try {
        await this.recovery.sweep(new Set(this.runs.keys()), this.held);
        await this.claim();
      } catch (error) {
        this.logger.error({ err: error }, 'deployment runner tick failed');
      }
    } while (this.again && !this.stopping);
  }

  private async claim(): Promise<void> {
    const free = this.config.deploy.concurrency - this.runs.size;
    if (free <= 0) return;
    const seen = new Set<string>();
    let started = 0;
    for (const target of await this.repo.pendingTargets(Math.max(200, free * 4))) {
      if (started >= free || this.stopping) break;
      // Only the oldest pending target of each agent is a candidate: deployments to one agent
      // run in the order they were created.
      if (
        seen.has(target.agentId) ||
        this.held.has(target.agentId) ||
        this.recovery.isSettling(target.agentId)
      ) {
        seen.add(target.agentId);
        continue;
      }
      seen.add(target.agentId);
      if (!(await this.locks.tryLock(target.agentId))) continue; // busy on another instance
      this.held.add(target.agentId);
      const claimed = await this.repo.claim(target.id, this.instance.id).catch((error: unknown) => {
        this.logger.error({ err: error, targetId: target.id }, 'claiming a target failed');
        return false;
      });
      if (!claimed) {
        await this.release(target.agentId);
        continue;
      }
      started++;
      this.start(target);
    }
  }

  private start(target: TargetRef): void {
    const run = new TargetRun(
      {
        repo: this.repo,
        snapshots: this.snapshots,
        connector: this.connector,
        bus: this.bus,
        instanceId: this.instance.id,
        settings: this.config.deploy,
      },
      target,
    );
    const done = run
      .execute()
      .catch((error: unknown) => this.logger.error({ err: error, targetId: target.id }, 'target run failed'))
      .finally(async () => {
        this.runs.delete(target.id);
        await this.release(target.agentId);
        this.kick();
      });
    this.runs.set(target.id, { run, done });
  }

  private async release(agentId: string): Promise<void> {
    this.held.delete(agentId);
    await this.locks.unlock(agentId).catch((error: unknown) => {
      this.logger.warn({ err: error, agentId }, 'releasing an agent lock failed');
    });
  }

  /**
   * Shutdown: claim nothing new, give running targets DEPLOY_SHUTDOWN_GRACE_MS to finish, then
   * abandon the rest (SSH cut, nothing written) and end the lock session. Abandoned targets stay
   * `running` until the next instance's recovery settles their hosts.
   */
  async onModuleDestroy(): Promise<void> {
    this.stopping = true;
    clearInterval(this.timer);
    await this.ticking;
    const pending = [...this.runs.values()];
    if (pending.length > 0) {
      let timer: NodeJS.Timeout | undefined;
      const grace = new Promise<void>((r) => {
        timer = setTimeout(r, this.config.deploy.shutdownGraceMs);
      });
      await Promise.race([Promise.allSettled(pending.map((p) => p.done)), grace]);
      clearTimeout(timer);
      for (const { run } of this.runs.values()) run.abandon();
      if (this.runs.size > 0)
        this.logger.warn({ targets: [...this.runs.keys()] }, 'abandoned running targets at shutdown');
    }
    await this.recovery.settled();
    await this.locks.close();
  }
}
