import { Injectable } from '@nestjs/common';
import { AppError } from '../../common/errors/app-error.js';
import { versionConflict } from '../../common/http/versioning.js';
import { SecretBox } from '../../common/secrets/secret-box.js';
import { lockForWrite } from '../../database/row-locks.js';
import { AuditService } from '../audit/audit.service.js';
import { authorize } from '../auth/authorize.js';
import type { Actor, Permission } from '../auth/principal.js';
import type { StateChange } from '../desired-state/state-change.js';
import { StateWriter } from '../desired-state/state-writer.js';
import { toAgentView } from './agent.view.js';
import { generateAgentKey, publicKeyOf } from './agent-key.js';
import { AgentsRepository } from './agents.repository.js';
import type { CreateAgent, UpdateAgent } from './dto/agent.schema.js';
import { AGENT_DEFAULTS } from './dto/agent.schema.js';

/**
 * Agents hold root on their hosts (commands, addresses, keys): every change of one, through any
 * door, needs admin.
 */
export const AGENT_PERMISSION: Permission = 'admin';

@Injectable()
export class AgentsService {
  constructor(
    private readonly repo: AgentsRepository,
    private readonly secrets: SecretBox,
    private readonly writer: StateWriter,
    private readonly audit: AuditService,
  ) {}

  async list(q: { limit: number; offset: number; labels?: Record<string, string>; q?: string }) {
    const { items, total } = await this.repo.list(q);
    return { items: items.map(toAgentView), total };
  }

  async get(id: string) {
    return toAgentView((await this.repo.find(id)) ?? notFound(id));
  }

  create(dto: CreateAgent, actor: Actor) {
    return this.writer.run(actor, (change) => this.createIn(change, dto));
  }

  update(id: string, dto: UpdateAgent, expected: number | undefined, actor: Actor) {
    return this.writer.run(actor, (change) => this.updateIn(change, id, dto, expected));
  }

  async remove(id: string, expected: number | undefined, actor: Actor): Promise<void> {
    await this.writer.run(actor, (change) => this.removeIn(change, id, expected));
  }

  async idByName(change: StateChange, name: string): Promise<string | null> {
    return this.repo.idByName(change.tx, name);
  }

  /** The one way an agent comes to be: REST, a fleet document and a restore all end here. */
  async createIn(change: StateChange, dto: CreateAgent) {
    authorize(change.actor, AGENT_PERMISSION, 'Changing agents');
    const { tx } = change;
    const { privateKey, generateKey, ...fields } = { ...AGENT_DEFAULTS, ...dto };
    await this.assertNameFree(change, fields.name);
    const key = this.sealKey(fields.name, privateKey, generateKey);
    const agent = toAgentView(await this.repo.create(tx, { ...fields, ...key }));
    change.touch('agent', agent.name);
    await this.audit.record(tx, change.actor, {
      action: 'agent.create',
      targetType: 'agent',
      targetId: agent.id,
      after: agent,
    });
    return agent;
  }

  async updateIn(change: StateChange, id: string, dto: UpdateAgent, expected: number | undefined) {
    authorize(change.actor, AGENT_PERMISSION, 'Changing agents');
    const { tx } = change;
    const { privateKey, generateKey, version: _, ...fields } = dto;
    const row = await lockForWrite(tx, 'Agent', id, expected, () => this.repo.find(id, tx));
    if (fields.name && fields.name !== row.name) await this.assertNameFree(change, fields.name);
    const key =
      privateKey !== undefined || generateKey
        ? this.sealKey(fields.name ?? row.name, privateKey, generateKey)
        : {};
    const updated = await this.repo.updateAtVersion(tx, id, row.version, { ...fields, ...key });
    if (!updated) throw versionConflict('Agent', id, row.version, row.version + 1);
    const after = toAgentView(updated);
    change.touch('agent', row.name, after.name);
    await this.audit.record(tx, change.actor, {
      action: 'agent.update',
      targetType: 'agent',
      targetId: id,
      before: toAgentView(row),
      after,
    });
    return after;
  }

  async removeIn(change: StateChange, id: string, expected: number | undefined): Promise<void> {
    authorize(change.actor, AGENT_PERMISSION, 'Changing agents');
    const { tx } = change;
    const row = await lockForWrite(tx, 'Agent', id, expected, () => this.repo.find(id, tx));
    await this.repo.delete(tx, id);
    change.touch('agent', row.name);
    await this.audit.record(tx, change.actor, {
      action: 'agent.delete',
      targetType: 'agent',
      targetId: id,
      before: toAgentView(row),
    });
  }

  private async assertNameFree(change: StateChange, name: string): Promise<void> {
    if (await this.repo.idByName(change.tx, name)) {
      throw new AppError('NAME_TAKEN', `An agent named ${name} already exists`, [
        { field: 'name', message: 'is already used' },
      ]);
    }
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
