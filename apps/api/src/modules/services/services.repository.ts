import { Injectable } from '@nestjs/common';
import { labelConditions } from '../../common/http/page.js';
import { PrismaService, type Tx } from '../../database/prisma.service.js';
import type { Prisma } from '../../generated/prisma/client.js';

/** A service with the names of the agents it is placed on. */
const INCLUDE = { placements: { include: { agent: { select: { name: true } } } } } as const;
export type ServiceRow = Prisma.ServiceGetPayload<{ include: typeof INCLUDE }>;

type ServiceFields = Omit<Prisma.ServiceCreateInput, 'placements'>;

@Injectable()
export class ServicesRepository {
  constructor(private readonly prisma: PrismaService) {}

  async list(q: { limit: number; offset: number; labels?: Record<string, string>; q?: string }) {
    const where: Prisma.ServiceWhereInput = {
      AND: labelConditions(q.labels),
      ...(q.q ? { name: { contains: q.q } } : {}),
    };
    const [items, total] = await Promise.all([
      this.prisma.service.findMany({
        where,
        include: INCLUDE,
        orderBy: { name: 'asc' },
        skip: q.offset,
        take: q.limit,
      }),
      this.prisma.service.count({ where }),
    ]);
    return { items, total };
  }

  find(id: string, tx: Tx | PrismaService = this.prisma): Promise<ServiceRow | null> {
    return tx.service.findUnique({ where: { id }, include: INCLUDE });
  }

  async idByName(tx: Tx, name: string): Promise<string | null> {
    return (await tx.service.findUnique({ where: { name }, select: { id: true } }))?.id ?? null;
  }

  create(tx: Tx, fields: ServiceFields, agentIds: string[]): Promise<ServiceRow> {
    return tx.service.create({
      data: { ...fields, placements: { create: agentIds.map((agentId) => ({ agentId })) } },
      include: INCLUDE,
    });
  }

  /**
   * Updates only if the row still has `version`, and replaces the placements when `agentIds` is
   * given; returns null when someone else got there first.
   */
  async updateAtVersion(
    tx: Tx,
    id: string,
    version: number,
    fields: Prisma.ServiceUpdateInput,
    agentIds?: string[],
  ): Promise<ServiceRow | null> {
    const { count } = await tx.service.updateMany({
      where: { id, version },
      data: { ...fields, version: version + 1 },
    });
    if (!count) return null;
    if (agentIds) {
      await tx.servicePlacement.deleteMany({ where: { serviceId: id } });
      await tx.servicePlacement.createMany({ data: agentIds.map((agentId) => ({ serviceId: id, agentId })) });
    }
    return tx.service.findUniqueOrThrow({ where: { id }, include: INCLUDE });
  }

  async delete(tx: Tx, id: string): Promise<void> {
    await tx.service.delete({ where: { id } });
  }
}
