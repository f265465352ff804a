import { Injectable } from '@nestjs/common';
import { AppError, FieldError } from '../../common/errors/app-error.js';
import { versionConflict } from '../../common/http/versioning.js';
import type { Tx } from '../../database/prisma.service.js';
import { lockForWrite, lockNamed } from '../../database/row-locks.js';
import { AuditService } from '../audit/audit.service.js';
import { authorize } from '../auth/authorize.js';
import type { Actor, Permission } from '../auth/principal.js';
import type { StateChange } from '../desired-state/state-change.js';
import { StateWriter } from '../desired-state/state-writer.js';
import type { CreateService, UpdateService } from './dto/service.schema.js';
import { SERVICE_DEFAULTS } from './dto/service.schema.js';
import { toServiceView } from './service.view.js';
import { ServicesRepository } from './services.repository.js';

export const SERVICE_PERMISSION: Permission = 'write';

@Injectable()
export class ServicesService {
  constructor(
    private readonly repo: ServicesRepository,
    private readonly writer: StateWriter,
    private readonly audit: AuditService,
  ) {}

  async list(q: { limit: number; offset: number; labels?: Record<string, string>; q?: string }) {
    const { items, total } = await this.repo.list(q);
    return { items: items.map(toServiceView), total };
  }

  async get(id: string) {
    return toServiceView((await this.repo.find(id)) ?? notFound(id));
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
    return this.repo.idByName(change.tx, name);
  }

  async createIn(change: StateChange, dto: CreateService) {
    authorize(change.actor, SERVICE_PERMISSION, 'Changing services');
    const { tx } = change;
    const { agents, ...fields } = { ...SERVICE_DEFAULTS, ...dto };
    await this.assertNameFree(tx, fields.name);
    const agentIds = await resolveAgents(tx, agents);
    const created = await this.repo.create(tx, fields, agentIds);
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
    const row = await lockForWrite(tx, 'Service', id, expected, () => this.repo.find(id, tx));
    if (fields.name && fields.name !== row.name) await this.assertNameFree(tx, fields.name);
    const kind = fields.kind ?? row.kind;
    const execStart = fields.execStart === undefined ? row.execStart : fields.execStart;
    if (kind === 'generic' && execStart === null)
      throw AppError.invalid('execStart', 'is required for a generic service');
    const agentIds = agents ? await resolveAgents(tx, agents) : undefined;
    const updated = await this.repo.updateAtVersion(tx, id, row.version, fields, agentIds);
    if (!updated) throw versionConflict('Service', id, row.version, row.version + 1);
    const after = toServiceView(updated);
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
    const row = await lockForWrite(tx, 'Service', id, expected, () => this.repo.find(id, tx));
    await this.repo.delete(tx, id);
    change.touch('service', row.name);
    await this.audit.record(tx, change.actor, {
      action: 'service.delete',
      targetType: 'service',
      targetId: id,
      before: toServiceView(row),
    });
  }

  private async assertNameFree(tx: Tx, name: string): Promise<void> {
    if (await this.repo.idByName(tx, name)) {
      throw new AppError('NAME_TAKEN', `A service named ${name} already exists`, [
        { field: 'name', message: 'is already used' },
      ]);
    }
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
