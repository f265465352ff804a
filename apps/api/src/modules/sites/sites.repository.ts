import { Injectable } from '@nestjs/common';
import { labelConditions } from '../../common/http/page.js';
import { PrismaService, Tx } from '../../database/prisma.service.js';
import { lockNamed } from '../../database/row-locks.js';
import type { Prisma } from '../../generated/prisma/client.js';
import type { SiteLookups } from './site-references.js';

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

  /**
   * Name lookups for the site reference resolver inside a save's transaction. Rows are
   * share-locked: an upstream or agent being deleted right now is either kept (the delete then
   * sees this site) or already gone (reported), never deleted under the new reference.
   */
  lookups(tx: Tx): SiteLookups {
    return {
      upstreams: (names) => lockNamed(tx, 'Upstream', names),
      agents: (names) => lockNamed(tx, 'Agent', names),
      policy: async (name) => {
        const id = (await lockNamed(tx, 'CertificatePolicy', [name])).get(name);
        return id ? this.policyById(tx, id) : null;
      },
      certificateExists: async (id) =>
        (await tx.certificate.findUnique({ where: { id }, select: { id: true } })) !== null,
    };
  }

  /**
   * The same lookups for a preview: upstreams and agents from the state it renders (what the
   * draft will be drawn against), policies and certificates as stored; nothing is locked.
   */
  previewLookups(state: {
    upstreams: { id: string; name: string }[];
    agents: { id: string; name: string }[];
  }): SiteLookups {
    const byName = (rows: { id: string; name: string }[], names: string[]) =>
      new Map(rows.filter((r) => names.includes(r.name)).map((r) => [r.name, r.id]));
    return {
      upstreams: async (names) => byName(state.upstreams, names),
      agents: async (names) => byName(state.agents, names),
      policy: (name) =>
        this.prisma.certificatePolicy.findUnique({
          where: { name },
          select: { id: true, name: true, challenge: true },
        }),
      certificateExists: async (id) =>
        (await this.prisma.certificate.findUnique({ where: { id }, select: { id: true } })) !== null,
    };
  }

  /** A certificate a draft names, for a preview whose state holds only certificates in use. */
  certificateForPreview(id: string) {
    return this.prisma.certificate.findUnique({
      where: { id },
      select: { id: true, domains: true, chainPem: true },
    });
  }

  policyById(tx: Tx | PrismaService, id: string) {
    return tx.certificatePolicy.findUnique({
      where: { id },
      select: { id: true, name: true, challenge: true },
    });
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
