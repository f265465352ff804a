import { Injectable } from '@nestjs/common';
import { AppError } from '../../common/errors/app-error.js';
import { labelConditions } from '../../common/http/page.js';
import { versionConflict } from '../../common/http/versioning.js';
import { SecretBox } from '../../common/secrets/secret-box.js';
import { PrismaService } from '../../database/prisma.service.js';
import { lockForWrite } from '../../database/row-locks.js';
import type { Agent, Prisma } from '../../generated/prisma/client.js';
import { AuditService } from '../audit/audit.service.js';
import type { Actor } from '../auth/principal.js';
import { RevisionService } from '../revisions/revision.service.js';
import { generateAgentKey, publicKeyOf } from './agent-key.js';
import type { CreateAgent, UpdateAgent } from './dto/agent.schema.js';
import { AGENT_DEFAULTS } from './dto/agent.schema.js';

/** The API's view of an agent: the sealed key never leaves this service. */
export function toAgentView({ sshKeyEncrypted, ...agent }: Agent) {
  return { ...agent, hasPrivateKey: sshKeyEncrypted !== null };
}

@Injectable()
export class AgentsService {
  constructor(
    private readonly prisma: PrismaService,
    private readonly secrets: SecretBox,
    private readonly revisions: RevisionService,
    private readonly audit: AuditService,
  ) {}

  async list(q: { limit: number; offset: number; labels?: Record<string, string>; q?: string }) {
    const where: Prisma.AgentWhereInput = {
      AND: labelConditions(q.labels),
      ...(q.q ? { name: { contains: q.q } } : {}),
    };
    const [items, total] = await Promise.all([
      this.prisma.agent.findMany({ where, orderBy: { name: 'asc' }, skip: q.offset, take: q.limit }),
      this.prisma.agent.count({ where }),
    ]);
    return { items: items.map(toAgentView), total };
  }

  async get(id: string) {
    return toAgentView((await this.prisma.agent.findUnique({ where: { id } })) ?? notFound(id));
  }

  async create(dto: CreateAgent, actor: Actor) {
    const { privateKey, generateKey, ...fields } = { ...AGENT_DEFAULTS, ...dto };
    const key = this.sealKey(fields.name, privateKey, generateKey);
    return this.prisma.$transaction(async (tx) => {
      if (await tx.agent.findUnique({ where: { name: fields.name } })) {
        throw new AppError('NAME_TAKEN', `An agent named ${fields.name} already exists`, [
          { field: 'name', message: 'is already used' },
        ]);
      }
      const agent = toAgentView(await tx.agent.create({ data: { ...fields, ...key } }));
      await this.revisions.bump(tx);
      await this.audit.record(tx, actor, {
        action: 'agent.create',
        targetType: 'agent',
        targetId: agent.id,
        after: agent,
      });
      return agent;
    });
  }

  async update(id: string, dto: UpdateAgent, expected: number | undefined, actor: Actor) {
    const { privateKey, generateKey, version: _, ...fields } = dto;
    return this.prisma.$transaction(async (tx) => {
      const row = await lockForWrite(tx, 'Agent', id, expected, () => tx.agent.findUnique({ where: { id } }));
      if (
        fields.name &&
        fields.name !== row.name &&
        (await tx.agent.findUnique({ where: { name: fields.name } }))
      ) {
        throw new AppError('NAME_TAKEN', `An agent named ${fields.name} already exists`, [
          { field: 'name', message: 'is already used' },
        ]);
      }
      const key =
        privateKey !== undefined || generateKey
          ? this.sealKey(fields.name ?? row.name, privateKey, generateKey)
          : {};
      const { count } = await tx.agent.updateMany({
        where: { id, version: row.version },
        data: { ...fields, ...key, version: row.version + 1 },
      });
      if (!count) throw versionConflict('Agent', id, row.version, row.version + 1);
      const after = toAgentView(await tx.agent.findUniqueOrThrow({ where: { id } }));
      await this.revisions.bump(tx);
      await this.audit.record(tx, actor, {
        action: 'agent.update',
        targetType: 'agent',
        targetId: id,
        before: toAgentView(row),
        after,
      });
      return after;
    });
  }

  async remove(id: string, expected: number | undefined, actor: Actor): Promise<void> {
    await this.prisma.$transaction(async (tx) => {
      const row = await lockForWrite(tx, 'Agent', id, expected, () => tx.agent.findUnique({ where: { id } }));
      await tx.agent.delete({ where: { id } });
      await this.revisions.bump(tx);
      await this.audit.record(tx, actor, {
        action: 'agent.delete',
        targetType: 'agent',
        targetId: id,
        before: toAgentView(row),
      });
    });
  }

  private sealKey(name: string, privateKey: string | undefined, generate: boolean | undefined) {
    if (generate) {
      const pair = generateAgentKey(`portico@${name}`);
      return { sshKeyEncrypted: this.secrets.seal(pair.privateKey), sshPublicKey: pair.publicKey };
    }
    if (privateKey === undefined) return {};
    return {
      sshKeyEncrypted: this.secrets.seal(privateKey),
      sshPublicKey: publicKeyOf(privateKey, `portico@${name}`),
    };
  }
}

function notFound(id: string): never {
  throw AppError.notFound('Agent', id);
}
