import { Injectable } from '@nestjs/common';
import { AppError } from '../../common/errors/app-error.js';
import { versionConflict } from '../../common/http/versioning.js';
import type { Tx } from '../../database/prisma.service.js';
import { lockForWrite } from '../../database/row-locks.js';
import { AuditService } from '../audit/audit.service.js';
import { authorize } from '../auth/authorize.js';
import type { Actor, Permission } from '../auth/principal.js';
import type { StateChange } from '../desired-state/state-change.js';
import { StateWriter } from '../desired-state/state-writer.js';
import type { CreateUpstream, UpdateUpstream } from './dto/upstream.schema.js';
import { UPSTREAM_DEFAULTS } from './dto/upstream.schema.js';
import { UpstreamRow, UpstreamsRepository } from './upstreams.repository.js';

type TargetInput = CreateUpstream['targets'][number];
const withTargetDefaults = (ts: TargetInput[]) =>
  ts.map((t) => ({ scheme: t.scheme ?? 'http', host: t.host, port: t.port, weight: t.weight ?? 1 }));

export const UPSTREAM_PERMISSION: Permission = 'write';

@Injectable()
export class UpstreamsService {
  constructor(
    private readonly repo: UpstreamsRepository,
    private readonly writer: StateWriter,
    private readonly audit: AuditService,
  ) {}

  list(q: Parameters<UpstreamsRepository['list']>[0]) {
    return this.repo.list(q);
  }

  async get(id: string): Promise<UpstreamRow> {
    return (await this.repo.find(id)) ?? notFound(id);
  }

  create(dto: CreateUpstream, actor: Actor): Promise<UpstreamRow> {
    return this.writer.run(actor, (change) => this.createIn(change, dto));
  }

  update(id: string, dto: UpdateUpstream, expected: number | undefined, actor: Actor): Promise<UpstreamRow> {
    return this.writer.run(actor, (change) => this.updateIn(change, id, dto, expected));
  }

  async remove(id: string, expected: number | undefined, actor: Actor): Promise<void> {
    await this.writer.run(actor, (change) => this.removeIn(change, id, expected));
  }

  async idByName(change: StateChange, name: string): Promise<string | null> {
    return (await this.repo.findByName(name, change.tx))?.id ?? null;
  }

  async createIn(change: StateChange, dto: CreateUpstream): Promise<UpstreamRow> {
    authorize(change.actor, UPSTREAM_PERMISSION, 'Changing upstreams');
    const { tx } = change;
    await this.assertNameFree(tx, dto.name);
    const created = await this.repo.create(tx, {
      ...UPSTREAM_DEFAULTS,
      ...dto,
      targets: withTargetDefaults(dto.targets),
    });
    change.touch('upstream', created.name);
    await this.audit.record(tx, change.actor, {
      action: 'upstream.create',
      targetType: 'upstream',
      targetId: created.id,
      after: created,
    });
    return created;
  }

  async updateIn(
    change: StateChange,
    id: string,
    dto: UpdateUpstream,
    expected: number | undefined,
  ): Promise<UpstreamRow> {
    authorize(change.actor, UPSTREAM_PERMISSION, 'Changing upstreams');
    const { tx } = change;
    const before = await lockForWrite(tx, 'Upstream', id, expected, () => this.repo.find(id, tx));
    if (dto.name && dto.name !== before.name) await this.assertNameFree(tx, dto.name);
    const { version: _, targets, ...fields } = dto;
    const after = await this.repo.updateAtVersion(tx, id, before.version, {
      ...fields,
      ...(targets ? { targets: withTargetDefaults(targets) } : {}),
    });
    if (!after) throw versionConflict('Upstream', id, before.version, before.version + 1);
    change.touch('upstream', before.name, after.name);
    await this.audit.record(tx, change.actor, {
      action: 'upstream.update',
      targetType: 'upstream',
      targetId: id,
      before,
      after,
    });
    return after;
  }

  async removeIn(change: StateChange, id: string, expected: number | undefined): Promise<void> {
    authorize(change.actor, UPSTREAM_PERMISSION, 'Changing upstreams');
    const { tx } = change;
    // Also waits for sites that are adding a route to it right now (they share-lock it).
    const before = await lockForWrite(tx, 'Upstream', id, expected, () => this.repo.find(id, tx));
    const sites = (await this.repo.sitesRoutingTo(tx, id)).map((s) => s.name);
    const services = (await this.repo.servicesNaming(tx, before.name)).map((s) => s.name);
    if (sites.length || services.length) {
      const users = [
        ...(sites.length ? [`sites: ${sites.join(', ')}`] : []),
        ...(services.length ? [`services: ${services.join(', ')}`] : []),
      ];
      throw new AppError('IN_USE', `Upstream ${before.name} is used by ${users.join('; ')}`, {
        sites,
        services,
      });
    }
    await this.repo.delete(tx, id);
    change.touch('upstream', before.name);
    await this.audit.record(tx, change.actor, {
      action: 'upstream.delete',
      targetType: 'upstream',
      targetId: id,
      before,
    });
  }

  private async assertNameFree(tx: Tx, name: string): Promise<void> {
    if (await this.repo.findByName(name, tx)) {
      throw new AppError('NAME_TAKEN', `An upstream named ${name} already exists`, [
        { field: 'name', message: 'is already used' },
      ]);
    }
  }
}

function notFound(id: string): never {
  throw AppError.notFound('Upstream', id);
}
