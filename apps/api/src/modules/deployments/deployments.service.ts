import { Injectable } from '@nestjs/common';
import { AppError } from '../../common/errors/app-error.js';
import type { Tx } from '../../database/prisma.service.js';
import { AuditService } from '../audit/audit.service.js';
import type { Actor } from '../auth/principal.js';
import { DesiredStateService } from '../desired-state/desired-state.service.js';
import { EventBus } from '../events/event-bus.js';
import { RenderService } from '../render/render.service.js';
import { toDeploymentView } from './deployment.view.js';
import { DeploymentRunner } from './deployment-runner.js';
import { DeploymentsRepository } from './deployments.repository.js';
import type { CreateDeployment, DeploymentListQuery } from './dto/deployment.schema.js';
import { FileSnapshotRepository } from './file-snapshot.repository.js';
import { isOpen } from './target-result.js';
import { checksForAgent } from './verify-checks.js';

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/**
 * Creating deployments and rollbacks, and reading them. Creation renders every selected agent's
 * complete file set in the same transaction that reads the revision, stores it as a sealed
 * snapshot, and leaves one pending target per agent for the runners of all instances.
 */
@Injectable()
export class DeploymentsService {
  constructor(
    private readonly desired: DesiredStateService,
    private readonly render: RenderService,
    private readonly snapshots: FileSnapshotRepository,
    private readonly repo: DeploymentsRepository,
    private readonly runner: DeploymentRunner,
    private readonly audit: AuditService,
    private readonly bus: EventBus,
  ) {}

  async create(dto: CreateDeployment, actor: Actor) {
    const id = await this.repo.transaction(async (tx) => {
      const agents = await this.select(tx, dto);
      const state = await this.desired.loadIn(tx, { withKeys: true });
      const selector = dto.all
        ? { all: true }
        : dto.selector
          ? { labels: dto.selector }
          : { agentIds: agents.map((a) => a.id) };
      const deployment = await this.repo.createDeployment(tx, {
        revision: state.revision,
        selector,
        requestedBy: actor.principal.email,
      });
      for (const agent of agents) {
        const base = { deploymentId: deployment.id, agentId: agent.id, revision: state.revision };
        let rendered: ReturnType<RenderService['renderAgent']>;
        try {
          rendered = this.render.renderAgent(state, agent.id);
        } catch (error) {
          // The desired state cannot be rendered for this agent: its target fails, the others go.
          if (!(error instanceof AppError)) throw error;
          const reason = (error.details as { reason?: string } | undefined)?.reason;
          await this.repo.createTarget(tx, {
            ...base,
            status: 'failed',
            error: `${error.code}: ${error.message}${reason ? ` (${reason})` : ''}`,
            startedAt: new Date(),
            finishedAt: new Date(),
          });
          continue;
        }
        await this.repo.createTarget(tx, {
          ...base,
          snapshotHash: await this.snapshots.save(tx, rendered.files),
          fileHashes: Object.fromEntries(rendered.files.map((f) => [f.path, f.sha256])),
          checks: checksForAgent(state, agent.id),
        });
      }
      await this.repo.finalizeIn(tx, deployment.id);
      await this.audit.record(tx, actor, {
        action: 'deployment.create',
        targetType: 'deployment',
        targetId: deployment.id,
        after: { revision: state.revision, selector, agents: agents.map((a) => a.name) },
      });
      return deployment.id;
    });
    this.runner.kick();
    return this.answer(id, dto.wait ?? 0);
  }

  /**
   * Deploys, to each agent of a deployment, the file set that agent had converged to before it:
   * the snapshot of its newest succeeded/unchanged target in an earlier deployment. The desired
   * state is not changed; the next ordinary deployment applies it again.
   */
  async rollback(id: string, wait: number, actor: Actor) {
    const newId = await this.repo.transaction(async (tx) => {
      const original = (await this.repo.withTargets(id, tx)) ?? notFound(id);
      // Only a succeeded target changed its host; unchanged ones did nothing, rolled-back ones are back.
      if (!original.targets.some((t) => t.status === 'succeeded')) {
        throw new AppError(
          'NOTHING_TO_ROLL_BACK',
          `Deployment ${id} changed no host: there is nothing to roll back`,
        );
      }
      const plan = await Promise.all(
        original.targets.map(async (t) => ({
          target: t,
          previous: await this.repo.lastConverged(t.agentId, original.createdAt, tx),
        })),
      );
      const revisions = plan.flatMap((p) => (p.previous ? [p.previous.revision] : []));
      if (revisions.length === 0) {
        throw new AppError(
          'NOTHING_TO_ROLL_BACK',
          `No agent of deployment ${id} has an earlier converged deployment to return to`,
        );
      }
      const deployment = await this.repo.createDeployment(tx, {
        kind: 'rollback',
        rollbackOfId: id,
        revision: Math.max(...revisions),
        selector: { agentIds: original.targets.map((t) => t.agentId) },
        requestedBy: actor.principal.email,
      });
      for (const { target, previous } of plan) {
        const base = { deploymentId: deployment.id, agentId: target.agentId };
        await this.repo.createTarget(
          tx,
          previous
            ? {
                ...base,
                revision: previous.revision,
                snapshotHash: previous.snapshotHash,
                fileHashes: previous.fileHashes,
                checks: previous.checks,
              }
            : {
                ...base,
                status: 'failed',
                error: `NOTHING_TO_ROLL_BACK: ${target.agent.name} had no converged deployment before ${id}`,
                startedAt: new Date(),
                finishedAt: new Date(),
              },
        );
      }
      await this.repo.finalizeIn(tx, deployment.id);
      await this.audit.record(tx, actor, {
        action: 'deployment.rollback',
        targetType: 'deployment',
        targetId: deployment.id,
        after: {
          rollbackOf: id,
          targets: plan.map((p) => ({ agent: p.target.agent.name, revision: p.previous?.revision ?? null })),
        },
      });
      return deployment.id;
    });
    this.runner.kick();
    return this.answer(newId, wait);
  }

  async list(q: DeploymentListQuery) {
    const { items, total, countsOf } = await this.repo.page(q);
    return {
      items: items.map((d) => ({
        ...toDeploymentView(d),
        targetCounts: countsOf(d.id),
      })),
      total,
      limit: q.limit,
      offset: q.offset,
    };
  }

  async get(id: string) {
    return toDeploymentView((await this.repo.withTargets(id)) ?? notFound(id));
  }

  /** The deployment now, or once it finished when the caller is willing to wait. */
  private async answer(id: string, waitSeconds: number) {
    if (waitSeconds > 0) await this.waitFinished(id, waitSeconds * 1000);
    const deployment = await this.get(id);
    return { finished: !isOpen(deployment.status), deployment };
  }

  /** Woken by this instance's bus; polls too, since another instance may run the last target. */
  private async waitFinished(id: string, timeoutMs: number): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    let wake: () => void = () => undefined;
    const unsubscribe = this.bus.subscribe((e) => {
      if (e.type === 'deployment.finished' && e.deploymentId === id) wake();
    });
    try {
      while (Date.now() < deadline) {
        const status = await this.repo.statusOf(id);
        if (!status || !isOpen(status)) return;
        await new Promise<void>((resolve) => {
          const timer = setTimeout(resolve, Math.min(500, Math.max(0, deadline - Date.now())));
          wake = () => {
            clearTimeout(timer);
            resolve();
          };
        });
      }
    } finally {
      unsubscribe();
    }
  }

  private async select(tx: Tx, dto: CreateDeployment): Promise<{ id: string; name: string }[]> {
    if (dto.all) {
      const all = await this.repo.agentsFor(tx, { all: true });
      if (all.length === 0) throw AppError.invalid('all', 'selects no agent: there are none');
      return all;
    }
    if (dto.selector) {
      const matched = await this.repo.agentsFor(tx, { labels: dto.selector });
      if (matched.length === 0) throw AppError.invalid('selector', 'matches no agent');
      return matched;
    }
    const wanted = [...new Set(dto.agents ?? [])];
    const ids = wanted.filter((w) => UUID.test(w));
    const found = await this.repo.agentsFor(tx, { ids, names: wanted });
    const unknown = wanted.filter((w) => !found.some((a) => a.id === w || a.name === w));
    if (unknown.length > 0) throw AppError.invalid('agents', `names no known agent: ${unknown.join(', ')}`);
    return found;
  }
}

function notFound(id: string): never {
  throw AppError.notFound('Deployment', id);
}
