import { Injectable } from '@nestjs/common';
import { labelConditions } from '../../common/http/page.js';
import { PrismaService, type Tx } from '../../database/prisma.service.js';
import type { Prisma } from '../../generated/prisma/client.js';

@Injectable()
export class AgentsRepository {
  constructor(private readonly prisma: PrismaService) {}

  async list(q: { limit: number; offset: number; labels?: Record<string, string>; q?: string }) {
    const where: Prisma.AgentWhereInput = {
      AND: labelConditions(q.labels),
      ...(q.q ? { name: { contains: q.q } } : {}),
    };
    const [items, total] = await Promise.all([
      this.prisma.agent.findMany({ where, orderBy: { name: 'asc' }, skip: q.offset, take: q.limit }),
      this.prisma.agent.count({ where }),
    ]);
    return { items, total };
  }

  find(id: string, tx: Tx | PrismaService = this.prisma) {
    return tx.agent.findUnique({ where: { id } });
  }

  async idByName(tx: Tx, name: string): Promise<string | null> {
    return (await tx.agent.findUnique({ where: { name }, select: { id: true } }))?.id ?? null;
  }

  create(tx: Tx, data: Prisma.AgentCreateInput) {
    return tx.agent.create({ data });
  }

  /** Updates only if the row still has `version`; returns null when someone else got there first. */
  async updateAtVersion(tx: Tx, id: string, version: number, data: Prisma.AgentUpdateInput) {
    const { count } = await tx.agent.updateMany({
      where: { id, version },
      data: { ...data, version: version + 1 },
    });
    return count ? tx.agent.findUniqueOrThrow({ where: { id } }) : null;
  }

  delete(tx: Tx, id: string) {
    return tx.agent.delete({ where: { id } });
  }
}
