import { Injectable } from '@nestjs/common';
import { AppError } from '../../common/errors/app-error.js';
import { versionConflict } from '../../common/http/versioning.js';
import { PrismaService, Tx } from '../../database/prisma.service.js';
import { lockForWrite } from '../../database/row-locks.js';
import { AuditService } from '../audit/audit.service.js';
import type { Actor } from '../auth/principal.js';
import { RevisionService } from '../revisions/revision.service.js';
import type { CreateUpstream, UpdateUpstream } from './dto/upstream.schema.js';
import { UPSTREAM_DEFAULTS } from './dto/upstream.schema.js';
import { UpstreamRow, UpstreamsRepository } from './upstreams.repository.js';

type TargetInput = CreateUpstream['targets'][number];
const withTargetDefaults = (ts: TargetInput[]) =>
  ts.map((t) => ({ scheme: t.scheme ?? 'http', host: t.host, port: t.port, weight: t.weight ?? 1 }));

@Injectable()
export class UpstreamsService {
  constructor(
    private readonly repo: UpstreamsRepository,
    private readonly prisma: PrismaService,
    private readonly revisions: RevisionService,
    private readonly audit: AuditService,
  ) {}

  list(q: Parameters<UpstreamsRepository['list']>[0]) {
    return this.repo.list(q);
  }

  async get(id: string): Promise<UpstreamRow> {
    return (await this.repo.find(id)) ?? notFound(id);
  }

  async create(dto: CreateUpstream, actor: Actor): Promise<UpstreamRow> {
    return this.prisma.$transaction(async (tx) => {
      await this.assertNameFree(tx, dto.name);
      const created = await this.repo.create(tx, {
        ...UPSTREAM_DEFAULTS,
        ...dto,
        targets: withTargetDefaults(dto.targets),
      });
      await this.revisions.bump(tx);
      await this.audit.record(tx, actor, {
        action: 'upstream.create',
        targetType: 'upstream',
        targetId: created.id,
        after: created,
      });
      return created;
    });
  }

  async update(
    id: string,
    dto: UpdateUpstream,
    expected: number | undefined,
    actor: Actor,
  ): Promise<UpstreamRow> {
    return this.prisma.$transaction(async (tx) => {
      const before = await lockForWrite(tx, 'Upstream', id, expected, () => this.repo.find(id, tx));
      if (dto.name && dto.name !== before.name) await this.assertNameFree(tx, dto.name);
      const { version: _, targets, ...fields } = dto;
      const after = await this.repo.updateAtVersion(tx, id, before.version, {
        ...fields,
        ...(targets ? { targets: withTargetDefaults(targets) } : {}),
      });
      if (!after) throw versionConflict('Upstream', id, before.version, before.version + 1);
      await this.revisions.bump(tx);
      await this.audit.record(tx, actor, {
        action: 'upstream.update',
        targetType: 'upstream',
        targetId: id,
        before,
        after,
      });
      return after;
    });
  }

  async remove(id: string, expected: number | undefined, actor: Actor): Promise<void> {
    await this.prisma.$transaction(async (tx) => {
      // Also waits for sites that are adding a route to it right now (they share-lock it).
      const before = await lockForWrite(tx, 'Upstream', id, expected, () => this.repo.find(id, tx));
      const users = await this.repo.sitesRoutingTo(tx, id);
      if (users.length) {
        throw new AppError(
          'IN_USE',
          `Upstream ${before.name} is used by sites: ${users.map((s) => s.name).join(', ')}`,
          {
            sites: users.map((s) => s.name),
          },
        );
      }
      await this.repo.delete(tx, id);
      await this.revisions.bump(tx);
      await this.audit.record(tx, actor, {
        action: 'upstream.delete',
        targetType: 'upstream',
        targetId: id,
        before,
      });
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
