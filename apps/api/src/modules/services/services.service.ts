import { Injectable } from '@nestjs/common';
import { AppError, FieldError } from '../../common/errors/app-error.js';
import { labelConditions } from '../../common/http/page.js';
import { versionConflict } from '../../common/http/versioning.js';
import { PrismaService, Tx } from '../../database/prisma.service.js';
import { lockForWrite, lockNamed } from '../../database/row-locks.js';
import type { Prisma } from '../../generated/prisma/client.js';
import { AuditService } from '../audit/audit.service.js';
import { authorize } from '../auth/authorize.js';
import type { Actor, Permission } from '../auth/principal.js';
import type { StateChange } from '../desired-state/state-change.js';
import { StateWriter } from '../desired-state/state-writer.js';
import type { CreateService, UpdateService } from './dto/service.schema.js';
import { SERVICE_DEFAULTS } from './dto/service.schema.js';
import { SERVICE_INCLUDE, toServiceView } from './service.view.js';

export const SERVICE_PERMISSION: Permission = 'write';

@Injectable()
export class ServicesService {
  constructor(
    private readonly prisma: PrismaService,
    private readonly writer: StateWriter,
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
        include: SERVICE_INCLUDE,
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
      (await this.prisma.service.findUnique({ where: { id }, include: SERVICE_INCLUDE })) ?? notFound(id),
    );
  }

  create(dto: CreateService, actor: Actor) {
    return this.writer.run(actor, (change) => this.createIn(change, dto));
  }

  update(id: string, dto: UpdateService, expected: number | undefined, actor: Actor) {
    return this.writer.run(actor, (change) => this.updateIn(change, id, dto, expected));
  }

  async remove(id: string, expected: number | undefined, actor: Actor): Promise<void> {
    await this.writer.run(actor, (change) => this.removeIn(change, id, expected));
  }

  async idByName(change: StateChange, name: string): Promise<string | null> {
    return (await change.tx.service.findUnique({ where: { name }, select: { id: true } }))?.id ?? null;
  }

  async createIn(change: StateChange, dto: CreateService) {
    authorize(change.actor, SERVICE_PERMISSION, 'Changing services');
    const { tx } = change;
    const { agents, ...fields } = { ...SERVICE_DEFAULTS, ...dto };
    await assertNameFree(tx, fields.name);
    const agentIds = await resolveAgents(tx, agents);
    const created = await tx.service.create({
      data: { ...fields, placements: { create: agentIds.map((agentId) => ({ agentId })) } },
      include: SERVICE_INCLUDE,
    });
    const view = toServiceView(created);
    change.touch('service', view.name);
    await this.audit.record(tx, change.actor, {
      action: 'service.create',
      targetType: 'service',
      targetId: view.id,
      after: view,
    });
    return view;
  }

  async updateIn(change: StateChange, id: string, dto: UpdateService, expected: number | undefined) {
    authorize(change.actor, SERVICE_PERMISSION, 'Changing services');
    const { tx } = change;
    const { agents, version: _, ...fields } = dto;
    const row = await lockForWrite(tx, 'Service', id, expected, () =>
      tx.service.findUnique({ where: { id }, include: SERVICE_INCLUDE }),
    );
    if (fields.name && fields.name !== row.name) await assertNameFree(tx, fields.name);
    const kind = fields.kind ?? row.kind;
    const execStart = fields.execStart === undefined ? row.execStart : fields.execStart;
    if (kind === 'generic' && execStart === null)
      throw AppError.invalid('execStart', 'is required for a generic service');
    const agentIds = agents ? await resolveAgents(tx, agents) : undefined;
    const { count } = await tx.service.updateMany({
      where: { id, version: row.version },
      data: { ...fields, version: row.version + 1 },
    });
    if (!count) throw versionConflict('Service', id, row.version, row.version + 1);
    if (agentIds) {
      await tx.servicePlacement.deleteMany({ where: { serviceId: id } });
      await tx.servicePlacement.createMany({
        data: agentIds.map((agentId) => ({ serviceId: id, agentId })),
      });
    }
    const after = toServiceView(
      await tx.service.findUniqueOrThrow({ where: { id }, include: SERVICE_INCLUDE }),
    );
    change.touch('service', row.name, after.name);
    await this.audit.record(tx, change.actor, {
      action: 'service.update',
      targetType: 'service',
      targetId: id,
      before: toServiceView(row),
      after,
    });
    return after;
  }

  async removeIn(change: StateChange, id: string, expected: number | undefined): Promise<void> {
    authorize(change.actor, SERVICE_PERMISSION, 'Changing services');
    const { tx } = change;
    const row = await lockForWrite(tx, 'Service', id, expected, () =>
      tx.service.findUnique({ where: { id }, include: SERVICE_INCLUDE }),
    );
    await tx.service.delete({ where: { id } });
    change.touch('service', row.name);
    await this.audit.record(tx, change.actor, {
      action: 'service.delete',
      targetType: 'service',
      targetId: id,
      before: toServiceView(row),
    });
  }
}

async function assertNameFree(tx: Tx, name: string): Promise<void> {
  if (await tx.service.findUnique({ where: { name }, select: { id: true } })) {
    throw new AppError('NAME_TAKEN', `A service named ${name} already exists`, [
      { field: 'name', message: 'is already used' },
    ]);
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
