import { Injectable } from '@nestjs/common';
import { AppError, FieldError } from '../../common/errors/app-error.js';
import { labelConditions } from '../../common/http/page.js';
import { versionConflict } from '../../common/http/versioning.js';
import { PrismaService, Tx } from '../../database/prisma.service.js';
import { lockForWrite, lockNamed } from '../../database/row-locks.js';
import type { Prisma } from '../../generated/prisma/client.js';
import { AuditService } from '../audit/audit.service.js';
import type { Actor } from '../auth/principal.js';
import { RevisionService } from '../revisions/revision.service.js';
import type { CreateService, UpdateService } from './dto/service.schema.js';
import { SERVICE_DEFAULTS } from './dto/service.schema.js';

const INCLUDE = { placements: { include: { agent: { select: { name: true } } } } } as const;
type ServiceRow = Prisma.ServiceGetPayload<{ include: typeof INCLUDE }>;

export function toServiceView({ placements, ...service }: ServiceRow) {
  return { ...service, agents: placements.map((p) => p.agent.name).sort() };
}

@Injectable()
export class ServicesService {
  constructor(
    private readonly prisma: PrismaService,
    private readonly revisions: RevisionService,
    private readonly audit: AuditService,
  ) {}

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
    return { items: items.map(toServiceView), total };
  }

  async get(id: string) {
    return toServiceView(
      (await this.prisma.service.findUnique({ where: { id }, include: INCLUDE })) ?? notFound(id),
    );
  }

  async create(dto: CreateService, actor: Actor) {
    const { agents, ...fields } = { ...SERVICE_DEFAULTS, ...dto };
    return this.prisma.$transaction(async (tx) => {
      if (await tx.service.findUnique({ where: { name: fields.name } })) {
        throw new AppError('NAME_TAKEN', `A service named ${fields.name} already exists`, [
          { field: 'name', message: 'is already used' },
        ]);
      }
      const agentIds = await resolveAgents(tx, agents);
      const created = await tx.service.create({
        data: { ...fields, placements: { create: agentIds.map((agentId) => ({ agentId })) } },
        include: INCLUDE,
      });
      const view = toServiceView(created);
      await this.revisions.bump(tx);
      await this.audit.record(tx, actor, {
        action: 'service.create',
        targetType: 'service',
        targetId: view.id,
        after: view,
      });
      return view;
    });
  }

  async update(id: string, dto: UpdateService, expected: number | undefined, actor: Actor) {
    const { agents, version: _, ...fields } = dto;
    return this.prisma.$transaction(async (tx) => {
      const row = await lockForWrite(tx, 'Service', id, expected, () =>
        tx.service.findUnique({ where: { id }, include: INCLUDE }),
      );
      if (
        fields.name &&
        fields.name !== row.name &&
        (await tx.service.findUnique({ where: { name: fields.name } }))
      ) {
        throw new AppError('NAME_TAKEN', `A service named ${fields.name} already exists`, [
          { field: 'name', message: 'is already used' },
        ]);
      }
      const kind = fields.kind ?? row.kind;
      const execStart = fields.execStart === undefined ? row.execStart : fields.execStart;
      if (kind === 'generic' && execStart === null)
        throw AppError.invalid('execStart', 'is required for a generic service');
      const { count } = await tx.service.updateMany({
        where: { id, version: row.version },
        data: { ...fields, version: row.version + 1 },
      });
      if (!count) throw versionConflict('Service', id, row.version, row.version + 1);
      if (agents) {
        const agentIds = await resolveAgents(tx, agents);
        await tx.servicePlacement.deleteMany({ where: { serviceId: id } });
        await tx.servicePlacement.createMany({
          data: agentIds.map((agentId) => ({ serviceId: id, agentId })),
        });
      }
      const after = toServiceView(await tx.service.findUniqueOrThrow({ where: { id }, include: INCLUDE }));
      await this.revisions.bump(tx);
      await this.audit.record(tx, actor, {
        action: 'service.update',
        targetType: 'service',
        targetId: id,
        before: toServiceView(row),
        after,
      });
      return after;
    });
  }

  async remove(id: string, expected: number | undefined, actor: Actor): Promise<void> {
    await this.prisma.$transaction(async (tx) => {
      const row = await lockForWrite(tx, 'Service', id, expected, () =>
        tx.service.findUnique({ where: { id }, include: INCLUDE }),
      );
      await tx.service.delete({ where: { id } });
      await this.revisions.bump(tx);
      await this.audit.record(tx, actor, {
        action: 'service.delete',
        targetType: 'service',
        targetId: id,
        before: toServiceView(row),
      });
    });
  }
}

async function resolveAgents(tx: Tx, names: string[]): Promise<string[]> {
  const found = await lockNamed(tx, 'Agent', names);
  const errors: FieldError[] = names.flatMap((n, i) =>
    found.has(n) ? [] : [{ field: `agents.${i}`, message: `no agent named ${n}` }],
  );
  if (errors.length)
    throw new AppError('VALIDATION_FAILED', errors.map((e) => `${e.field}: ${e.message}`).join('; '), errors);
  return names.map((n) => found.get(n)!);
}

function notFound(id: string): never {
  throw AppError.notFound('Service', id);
}
