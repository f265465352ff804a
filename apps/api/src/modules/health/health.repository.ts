import { Injectable } from '@nestjs/common';
import { PrismaService, type Tx } from '../../database/prisma.service.js';
import type { Prisma } from '../../generated/prisma/client.js';
import type { PlanInput, PlanUpstream } from './check-planner.js';
import type { CheckSpec, HealthStatus } from './health-check.js';

/** Subjects whose states other features report (HealthReports) instead of probes. */
export const REPORTED_SUBJECTS = ['certificate'] as const;

export interface StoredState {
  checkKey: string;
  subjectType: string;
  subjectId: string;
  status: HealthStatus;
  since: Date;
  detail: unknown;
}

/** Health's Postgres side: what to check, stored states and transitions, instance heartbeats. */
@Injectable()
export class HealthRepository {
  constructor(private readonly prisma: PrismaService) {}

  async revision(): Promise<number> {
    return (await this.prisma.fleetRevision.findUnique({ where: { id: 1 } }))?.revision ?? 0;
  }

  async planInput(): Promise<PlanInput> {
    const [agents, sites, upstreams] = await Promise.all([
      this.prisma.agent.findMany({
        select: {
          id: true,
          address: true,
          sshPort: true,
          listenAddress: true,
          httpPort: true,
          httpsPort: true,
          sshKeyEncrypted: true,
        },
      }),
      this.prisma.site.findMany({
        select: {
          id: true,
          tlsMode: true,
          httpsRedirect: true,
          websocket: true,
          hostnames: { select: { hostname: true }, orderBy: { position: 'asc' } },
          placements: { select: { agentId: true } },
        },
      }),
      this.prisma.upstream.findMany({
        select: {
          id: true,
          kind: true,
          targets: true,
          probeFrom: true,
          routes: { select: { site: { select: { placements: { select: { agentId: true } } } } } },
        },
      }),
    ]);
    return {
      agents: agents.map(({ sshKeyEncrypted, ...agent }) => ({ ...agent, hasKey: sshKeyEncrypted !== null })),
      sites: sites.map((s) => ({
        id: s.id,
        tlsMode: s.tlsMode,
        httpsRedirect: s.httpsRedirect,
        websocket: s.websocket,
        hostnames: s.hostnames.map((h) => h.hostname),
        agentIds: s.placements.map((p) => p.agentId).sort(),
      })),
      upstreams: upstreams.map((u) => ({
        id: u.id,
        kind: u.kind,
        targets: u.targets as PlanUpstream['targets'],
        probeFrom: u.probeFrom,
        agentIds: [...new Set(u.routes.flatMap((r) => r.site.placements.map((p) => p.agentId)))].sort(),
      })),
    };
  }

  async states(keys?: string[]): Promise<StoredState[]> {
    const rows = await this.prisma.healthState.findMany({
      where: keys ? { checkKey: { in: keys } } : undefined,
      orderBy: { checkKey: 'asc' },
    });
    return rows as StoredState[];
  }

  async statesOf(subjectType: string, subjectId: string): Promise<StoredState[]> {
    return (await this.prisma.healthState.findMany({
      where: { subjectType, subjectId },
      orderBy: { checkKey: 'asc' },
    })) as StoredState[];
  }

  async statesThroughAgent(agentId: string): Promise<StoredState[]> {
    return (await this.prisma.healthState.findMany({
      where: {
        OR: [{ subjectType: 'agent', subjectId: agentId }, { checkKey: { endsWith: `@${agentId}` } }],
      },
      orderBy: { checkKey: 'asc' },
    })) as StoredState[];
  }

  /**
   * Stores a transition unless someone else already did: the state row only moves if it still
   * holds `from`. Two instances that briefly both ran a check (while membership settled) thus
   * record one event, not two. Returns false when the stored state had already moved.
   */
  async recordTransition(
    check: CheckSpec,
    from: HealthStatus,
    to: HealthStatus,
    at: Date,
    detail: object,
  ): Promise<boolean> {
    const json = detail as Prisma.InputJsonValue;
    return this.prisma.$transaction(async (tx) => {
      await tx.healthState.createMany({
        data: [
          {
            checkKey: check.key,
            subjectType: check.subjectType,
            subjectId: check.subjectId,
            status: 'unknown',
            since: at,
          },
        ],
        skipDuplicates: true,
      });
      const moved = await tx.healthState.updateMany({
        where: { checkKey: check.key, status: from },
        data: { status: to, since: at, detail: json },
      });
      if (moved.count === 0) return false;
      await tx.healthEvent.create({
        data: {
          checkKey: check.key,
          subjectType: check.subjectType,
          subjectId: check.subjectId,
          from,
          to,
          at,
          detail: json,
        },
      });
      return true;
    });
  }

  /** Stores a reported state and, when it changed, its transition; returns the previous status. */
  async reportIn(
    tx: Tx,
    report: {
      checkKey: string;
      subjectType: string;
      subjectId: string;
      status: HealthStatus;
      detail: object;
    },
    at: Date,
  ): Promise<HealthStatus> {
    const { checkKey, subjectType, subjectId, status } = report;
    const detail = report.detail as Prisma.InputJsonValue;
    const previous = await tx.healthState.findUnique({ where: { checkKey } });
    const from = (previous?.status ?? 'unknown') as HealthStatus;
    await tx.healthState.upsert({
      where: { checkKey },
      create: { checkKey, subjectType, subjectId, status, detail, since: at },
      update: from === status ? { detail } : { status, detail, since: at },
    });
    if (from !== status) {
      await tx.healthEvent.create({
        data: { checkKey, subjectType, subjectId, from, to: status, at, detail },
      });
    }
    return from;
  }

  /**
   * Forgets a reported state that is good again; stores its way back to `up` unless it already
   * was. Returns the previous status, or null when there was nothing to resolve.
   */
  async resolveIn(
    tx: Tx,
    report: { checkKey: string; subjectType: string; subjectId: string; detail: object },
    at: Date,
  ): Promise<HealthStatus | null> {
    const previous = await tx.healthState.findUnique({ where: { checkKey: report.checkKey } });
    if (!previous) return null;
    await tx.healthState.delete({ where: { checkKey: report.checkKey } });
    if (previous.status === 'up') return null;
    const { checkKey, subjectType, subjectId } = report;
    await tx.healthEvent.create({
      data: {
        checkKey,
        subjectType,
        subjectId,
        from: previous.status,
        to: 'up',
        at,
        detail: report.detail as Prisma.InputJsonValue,
      },
    });
    return previous.status as HealthStatus;
  }

  /** Forgets states of checks that no longer exist (a deleted site, a removed target). */
  async pruneStates(keep: ReadonlySet<string>): Promise<number> {
    // Reported states (a certificate's renewal) are no probe's: their reporter resolves them.
    const existing = await this.prisma.healthState.findMany({
      where: { subjectType: { notIn: [...REPORTED_SUBJECTS] } },
      select: { checkKey: true },
    });
    const gone = existing.map((s) => s.checkKey).filter((k) => !keep.has(k));
    if (gone.length === 0) return 0;
    return (await this.prisma.healthState.deleteMany({ where: { checkKey: { in: gone } } })).count;
  }

  async events(
    where: { subjectType?: string; subjectId?: string; checkKey?: string },
    skip: number,
    take: number,
  ) {
    const filter = { subjectType: where.subjectType, subjectId: where.subjectId, checkKey: where.checkKey };
    const [items, total] = await Promise.all([
      this.prisma.healthEvent.findMany({ where: filter, orderBy: { at: 'desc' }, skip, take }),
      this.prisma.healthEvent.count({ where: filter }),
    ]);
    return { items, total };
  }

  /** Heartbeat with the database's clock, so instances with skewed clocks still agree. */
  async heartbeat(id: string): Promise<void> {
    await this.prisma.$executeRaw`
      INSERT INTO "HealthWorker" ("id", "startedAt", "heartbeatAt") VALUES (${id}, now(), now())
      ON CONFLICT ("id") DO UPDATE SET "heartbeatAt" = now()`;
  }

  async liveWorkers(leaseMs: number): Promise<string[]> {
    const rows = await this.prisma.$queryRaw<{ id: string }[]>`
      SELECT "id" FROM "HealthWorker"
      WHERE "heartbeatAt" > now() - make_interval(secs => ${leaseMs / 1000}::float8)
      ORDER BY "id"`;
    return rows.map((r) => r.id);
  }

  async leave(id: string): Promise<void> {
    await this.prisma.healthWorker.deleteMany({ where: { id } });
  }

  /** Rows of instances dead for a day are only clutter. */
  async forgetDeadWorkers(): Promise<void> {
    await this.prisma.$executeRaw`DELETE FROM "HealthWorker" WHERE "heartbeatAt" < now() - interval '1 day'`;
  }
}
