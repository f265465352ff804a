import { Injectable } from '@nestjs/common';
import { labelConditions } from '../../common/http/page.js';
import { PrismaService, Tx } from '../../database/prisma.service.js';
import type { Prisma } from '../../generated/prisma/client.js';

export const SITE_INCLUDE = {
  hostnames: { orderBy: { position: 'asc' } },
  routes: { orderBy: { position: 'asc' }, include: { upstream: { select: { name: true } } } },
  placements: { include: { agent: { select: { name: true } } } },
  certificatePolicy: { select: { name: true } },
} as const satisfies Prisma.SiteInclude;

export type SiteRow = Prisma.SiteGetPayload<{ include: typeof SITE_INCLUDE }>;

export interface SiteChildren {
  /** Resolved `certificatePolicy` name: an id, or null to clear it. */
  certificatePolicyId?: string | null;
  hostnames?: string[];
  routes?: { pathPrefix: string; upstreamId: string; streaming: boolean }[];
  agentIds?: string[];
}

@Injectable()
export class SitesRepository {
  constructor(private readonly prisma: PrismaService) {}

  async list(q: {
    limit: number;
    offset: number;
    labels?: Record<string, string>;
    hostname?: string;
    q?: string;
  }) {
    const where: Prisma.SiteWhereInput = {
      AND: labelConditions(q.labels),
      ...(q.hostname ? { hostnames: { some: { hostname: q.hostname } } } : {}),
      ...(q.q ? { name: { contains: q.q } } : {}),
    };
    const [items, total] = await Promise.all([
      this.prisma.site.findMany({
        where,
        include: SITE_INCLUDE,
        orderBy: { name: 'asc' },
        skip: q.offset,
        take: q.limit,
      }),
      this.prisma.site.count({ where }),
    ]);
    return { items, total };
  }

  find(id: string, tx: Tx | PrismaService = this.prisma) {
    return tx.site.findUnique({ where: { id }, include: SITE_INCLUDE });
  }

  findByName(name: string, tx: Tx) {
    return tx.site.findUnique({ where: { name }, select: { id: true } });
  }

  /** Hostnames from `hostnames` already claimed by a site other than `exceptSiteId`. */
  claimedHostnames(tx: Tx, hostnames: string[], exceptSiteId?: string) {
    return tx.siteHostname.findMany({
      where: { hostname: { in: hostnames }, ...(exceptSiteId ? { siteId: { not: exceptSiteId } } : {}) },
      include: { site: { select: { name: true } } },
    });
  }

  async create(
    tx: Tx,
    data: Prisma.SiteUncheckedCreateInput,
    children: Required<SiteChildren>,
  ): Promise<SiteRow> {
    const site = await tx.site.create({
      data: { ...data, certificatePolicyId: children.certificatePolicyId },
    });
    await this.replaceChildren(tx, site.id, children);
    return tx.site.findUniqueOrThrow({ where: { id: site.id }, include: SITE_INCLUDE });
  }

  async updateAtVersion(
    tx: Tx,
    id: string,
    version: number,
    data: Prisma.SiteUncheckedUpdateManyInput,
    children: SiteChildren,
  ): Promise<SiteRow | null> {
    const { count } = await tx.site.updateMany({
      where: { id, version },
      data: { ...data, certificatePolicyId: children.certificatePolicyId, version: version + 1 },
    });
    if (!count) return null;
    await this.replaceChildren(tx, id, children);
    return tx.site.findUniqueOrThrow({ where: { id }, include: SITE_INCLUDE });
  }

  releaseHostnames(tx: Tx, siteIds: string[]) {
    return tx.siteHostname.deleteMany({ where: { siteId: { in: siteIds } } });
  }

  delete(tx: Tx, id: string) {
    return tx.site.delete({ where: { id } });
  }

  /** Child collections are replaced whole when given: a PATCH with routes sets the routes. */
  private async replaceChildren(tx: Tx, siteId: string, c: SiteChildren): Promise<void> {
    if (c.hostnames) {
      await tx.siteHostname.deleteMany({ where: { siteId } });
      await tx.siteHostname.createMany({
        data: c.hostnames.map((hostname, position) => ({ hostname, siteId, position })),
      });
    }
    if (c.routes) {
      await tx.route.deleteMany({ where: { siteId } });
      await tx.route.createMany({ data: c.routes.map((r, position) => ({ ...r, siteId, position })) });
    }
    if (c.agentIds) {
      await tx.sitePlacement.deleteMany({ where: { siteId } });
      await tx.sitePlacement.createMany({ data: c.agentIds.map((agentId) => ({ siteId, agentId })) });
    }
  }
}
