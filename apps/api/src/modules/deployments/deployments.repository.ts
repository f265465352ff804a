import { Injectable } from '@nestjs/common';
import { labelConditions } from '../../common/http/page.js';
import { PrismaService, Tx } from '../../database/prisma.service.js';
import type { Prisma } from '../../generated/prisma/client.js';
import { deploymentStatusOf, type FinalDeploymentStatus, isOpen } from './target-result.js';

export interface TargetRef {
  id: string;
  deploymentId: string;
  agentId: string;
}

export interface FinishResult {
  /** False when the guard did not match: someone else finished or took the target first. */
  updated: boolean;
  /** Set when this call finished the deployment's last open target. */
  deploymentStatus: FinalDeploymentStatus | null;
}

/** A tree seen live and verified on an agent (VerifiedTree). */
export interface VerifiedRecord {
  targetId: string;
  revision: number;
  snapshotHash: string;
  checks: Prisma.InputJsonValue;
}

/** A deployment with its targets and their agents' names. */
const WITH_TARGETS = { targets: { include: { agent: { select: { name: true } } } } } as const;

/** A target as created: pending with its snapshot, or failed at once with the reason. */
export interface NewTarget {
  deploymentId: string;
  agentId: string;
  revision?: number;
  snapshotHash?: string | null;
  fileHashes?: unknown;
  checks?: unknown;
  status?: 'failed';
  error?: string;
  startedAt?: Date;
  finishedAt?: Date;
}

/** The queries on deployments and their targets: creation and reading, the runner, the recovery. */
@Injectable()
export class DeploymentsRepository {
  constructor(private readonly prisma: PrismaService) {}

  transaction<T>(fn: (tx: Tx) => Promise<T>): Promise<T> {
    return this.prisma.$transaction(fn);
  }

  createDeployment(
    tx: Tx,
    data: {
      revision: number;
      selector: unknown;
      requestedBy: string;
      kind?: 'rollback';
      rollbackOfId?: string;
    },
  ) {
    return tx.deployment.create({ data: { ...data, selector: data.selector as Prisma.InputJsonValue } });
  }

  async createTarget(tx: Tx, target: NewTarget): Promise<void> {
    const { fileHashes, checks, ...rest } = target;
    await tx.deploymentTarget.create({
      data: {
        ...rest,
        ...(fileHashes === undefined ? {} : { fileHashes: fileHashes as Prisma.InputJsonValue }),
        ...(checks === undefined ? {} : { checks: checks as Prisma.InputJsonValue }),
      },
    });
  }

  withTargets(id: string, tx: Tx | PrismaService = this.prisma) {
    return tx.deployment.findUnique({ where: { id }, include: WITH_TARGETS });
  }

  async statusOf(id: string) {
    return (
      (await this.prisma.deployment.findUnique({ where: { id }, select: { status: true } }))?.status ?? null
    );
  }

  /** A page of deployments, newest first, with how many of each one's targets are in each status. */
  async page(q: { limit: number; offset: number; status?: string; agentId?: string }) {
    const where: Prisma.DeploymentWhereInput = {
      ...(q.status ? { status: q.status as Prisma.DeploymentWhereInput['status'] } : {}),
      ...(q.agentId ? { targets: { some: { agentId: q.agentId } } } : {}),
    };
    const [items, total] = await Promise.all([
      this.prisma.deployment.findMany({
        where,
        orderBy: { createdAt: 'desc' },
        skip: q.offset,
        take: q.limit,
      }),
      this.prisma.deployment.count({ where }),
    ]);
    const counts = await this.prisma.deploymentTarget.groupBy({
      by: ['deploymentId', 'status'],
      where: { deploymentId: { in: items.map((d) => d.id) } },
      _count: { _all: true },
    });
    const countsOf = (id: string) =>
      Object.fromEntries(counts.filter((c) => c.deploymentId === id).map((c) => [c.status, c._count._all]));
    return { items, total, countsOf };
  }

  /**
   * Agents a deployment selects, by name: every agent, those whose labels match, or those named
   * by id or name.
   */
  agentsFor(
    tx: Tx,
    by: { all: true } | { labels: Record<string, string> } | { ids: string[]; names: string[] },
  ): Promise<{ id: string; name: string }[]> {
    const where: Prisma.AgentWhereInput =
      'all' in by
        ? {}
        : 'labels' in by
          ? { AND: labelConditions(by.labels) }
          : { OR: [{ id: { in: by.ids } }, { name: { in: by.names } }] };
    return tx.agent.findMany({ where, select: { id: true, name: true }, orderBy: { name: 'asc' } });
  }

  /** Pending targets, oldest deployment first: per agent, deployments run in creation order. */
  pendingTargets(limit: number): Promise<TargetRef[]> {
    return this.prisma.deploymentTarget.findMany({
      where: { status: 'pending' },
      orderBy: [{ deployment: { createdAt: 'asc' } }, { id: 'asc' }],
      select: { id: true, deploymentId: true, agentId: true },
      take: limit,
    });
  }

  /**
   * Takes a pending target for this instance. The conditional update is atomic in Postgres: of
   * two instances racing for one target exactly one sees count 1.
   */
  async claim(targetId: string, instanceId: string): Promise<boolean> {
    const { count } = await this.prisma.deploymentTarget.updateMany({
      where: { id: targetId, status: 'pending' },
      data: { status: 'running', instanceId, startedAt: new Date(), step: null },
    });
    return count === 1;
  }

  /** pending -> running once; true for the call that did it. */
  async markDeploymentRunning(deploymentId: string): Promise<boolean> {
    const { count } = await this.prisma.deployment.updateMany({
      where: { id: deploymentId, status: 'pending' },
      data: { status: 'running', startedAt: new Date() },
    });
    return count === 1;
  }

  loadTarget(targetId: string) {
    return this.prisma.deploymentTarget.findUnique({ where: { id: targetId }, include: { agent: true } });
  }

  async saveProgress(targetId: string, instanceId: string, step: string, log: string): Promise<void> {
    await this.prisma.deploymentTarget.updateMany({
      where: { id: targetId, status: 'running', instanceId },
      data: { step, log },
    });
  }

  async appendLog(targetId: string, lines: string): Promise<void> {
    await this.prisma
      .$executeRaw`UPDATE "DeploymentTarget" SET "log" = "log" || ${lines} WHERE "id" = ${targetId}::uuid`;
  }

  /**
   * Ends one target and, when it was the deployment's last open one, the deployment. The
   * deployment row is locked first, so two instances finishing its last two targets at the same
   * moment serialize and the second one sees the first one's target finished.
   */
  finishTarget(
    ref: Pick<TargetRef, 'id' | 'deploymentId' | 'agentId'>,
    guard: Prisma.DeploymentTargetWhereInput,
    data: Prisma.DeploymentTargetUpdateManyMutationInput,
    /** The tree this target left live and verified: recorded as the agent's last verified one. */
    verified: VerifiedRecord | null = null,
  ): Promise<FinishResult> {
    return this.prisma.$transaction(async (tx) => {
      await tx.$queryRaw`SELECT "id" FROM "Deployment" WHERE "id" = ${ref.deploymentId}::uuid FOR UPDATE`;
      const { count } = await tx.deploymentTarget.updateMany({ where: { ...guard, id: ref.id }, data });
      if (count === 0) return { updated: false, deploymentStatus: null };
      if (verified) {
        const row = { ...verified, verifiedAt: new Date() };
        await tx.verifiedTree.upsert({
          where: { agentId: ref.agentId },
          create: { agentId: ref.agentId, ...row },
          update: row,
        });
      }
      return { updated: true, deploymentStatus: await this.finalizeIn(tx, ref.deploymentId) };
    });
  }

  /** The tree last seen live and verified on the agent; null before its first verified deploy. */
  verifiedTree(agentId: string) {
    return this.prisma.verifiedTree.findUnique({ where: { agentId } });
  }

  /**
   * Recovery takes a dead instance's running target over (guarded by the previous owner, so of
   * two survivors only one does); it stays `running` under this instance while the host is settled.
   */
  async takeOver(targetId: string, previousOwner: string | null, instanceId: string): Promise<boolean> {
    const { count } = await this.prisma.deploymentTarget.updateMany({
      where: { id: targetId, status: 'running', instanceId: previousOwner },
      data: { instanceId, step: 'recover' },
    });
    return count === 1;
  }

  /** Back to pending, as if just created: the host was found untouched. */
  async requeue(targetId: string, instanceId: string, line: string): Promise<boolean> {
    const count = await this.prisma.$executeRaw`
      UPDATE "DeploymentTarget"
      SET "status" = 'pending', "instanceId" = NULL, "step" = NULL, "startedAt" = NULL,
          "queuedAt" = now(), "requeues" = "requeues" + 1, "log" = "log" || ${line}
      WHERE "id" = ${targetId}::uuid AND "status" = 'running' AND "instanceId" = ${instanceId}`;
    return count === 1;
  }

  /** Sets the deployment's final status once none of its targets is open; null while some are. */
  async finalizeIn(tx: Tx, deploymentId: string): Promise<FinalDeploymentStatus | null> {
    const targets = await tx.deploymentTarget.findMany({
      where: { deploymentId },
      select: { status: true, warning: true },
    });
    if (targets.some((t) => isOpen(t.status))) return null;
    const status = deploymentStatusOf(targets);
    const { count } = await tx.deployment.updateMany({
      where: { id: deploymentId, status: { in: ['pending', 'running'] } },
      data: { status, finishedAt: new Date(), ...(targets.length ? {} : { startedAt: new Date() }) },
    });
    return count === 1 ? status : null;
  }

  /** Targets marked running: each is either still owned by a live run or an orphan. */
  runningTargets() {
    return this.prisma.deploymentTarget.findMany({
      where: { status: 'running' },
      select: {
        id: true,
        deploymentId: true,
        agentId: true,
        instanceId: true,
        step: true,
        snapshotHash: true,
        startedAt: true,
        requeues: true,
        revision: true,
        checks: true,
      },
    });
  }

  /** Targets pending since before the cutoff: they waited long enough. */
  pendingSince(cutoff: Date) {
    return this.prisma.deploymentTarget.findMany({
      where: { status: 'pending', queuedAt: { lt: cutoff } },
      select: { id: true, deploymentId: true, agentId: true, agent: { select: { name: true } } },
      take: 500,
    });
  }

  /** A target of the agent is pending or running. */
  async agentHasWork(agentId: string): Promise<boolean> {
    return (
      (await this.prisma.deploymentTarget.count({
        where: { agentId, status: { in: ['pending', 'running'] } },
      })) > 0
    );
  }

  async agentBusy(agentId: string): Promise<boolean> {
    return (await this.prisma.deploymentTarget.count({ where: { agentId, status: 'running' } })) > 0;
  }

  /** The newest target that left the agent with a known tree: what Portico last deployed there. */
  lastConverged(agentId: string, before?: Date, tx: Tx | PrismaService = this.prisma) {
    return tx.deploymentTarget.findFirst({
      where: {
        agentId,
        status: { in: ['succeeded', 'unchanged'] },
        snapshotHash: { not: null },
        ...(before ? { deployment: { createdAt: { lt: before } } } : {}),
      },
      orderBy: [{ deployment: { createdAt: 'desc' } }, { finishedAt: 'desc' }],
      include: { deployment: { select: { id: true, revision: true, kind: true } } },
    });
  }
}
