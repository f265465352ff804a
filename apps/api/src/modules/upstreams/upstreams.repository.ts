import { Injectable } from '@nestjs/common';
import { labelConditions } from '../../common/http/page.js';
import { PrismaService, Tx } from '../../database/prisma.service.js';
import type { Prisma } from '../../generated/prisma/client.js';

export type UpstreamRow = Prisma.UpstreamGetPayload<object>;

@Injectable()
export class UpstreamsRepository {
  constructor(private readonly prisma: PrismaService) {}

  async list(q: { limit: number; offset: number; labels?: Record<string, string>; q?: string }) {
    const where: Prisma.UpstreamWhereInput = {
      AND: labelConditions(q.labels),
      ...(q.q ? { name: { contains: q.q } } : {}),
    };
    const [items, total] = await Promise.all([
      this.prisma.upstream.findMany({ where, orderBy: { name: 'asc' }, skip: q.offset, take: q.limit }),
      this.prisma.upstream.count({ where }),
    ]);
    return { items, total };
  }

  find(id: string, tx: Tx | PrismaService = this.prisma) {
    return tx.upstream.findUnique({ where: { id } });
  }

  findByName(name: string, tx: Tx | PrismaService = this.prisma) {
    return tx.upstream.findUnique({ where: { name } });
  }

  findByNames(names: string[], tx: Tx) {
    return tx.upstream.findMany({ where: { name: { in: names } }, select: { id: true, name: true } });
  }

  create(tx: Tx, data: Prisma.UpstreamCreateInput) {
    return tx.upstream.create({ data });
  }

  /** Updates only if the row still has `version`; returns null when someone else got there first. */
  async updateAtVersion(tx: Tx, id: string, version: number, data: Prisma.UpstreamUpdateInput) {
    const { count } = await tx.upstream.updateMany({
      where: { id, version },
      data: { ...data, version: version + 1 },
    });
    return count ? tx.upstream.findUniqueOrThrow({ where: { id } }) : null;
  }

  sitesRoutingTo(tx: Tx, upstreamId: string) {
    return tx.site.findMany({ where: { routes: { some: { upstreamId } } }, select: { name: true } });
  }

  /** Services whose options name this upstream (the container behind it, or its Ollama). */
  servicesNaming(tx: Tx, name: string) {
    return tx.service.findMany({
      where: {
        OR: [
          { options: { path: ['upstream'], equals: name } },
          { options: { path: ['ollamaUpstream'], equals: name } },
        ],
      },
      select: { name: true },
    });
  }

  delete(tx: Tx, id: string) {
    return tx.upstream.delete({ where: { id } });
  }
}
