import { Injectable } from '@nestjs/common';
import { AppError } from '../../common/errors/app-error.js';
import { AuditService } from '../audit/audit.service.js';
import { hashSecret, newSecret, TOKEN_PREFIX } from '../auth/credentials.js';
import type { Actor } from '../auth/principal.js';
import { credentialsChanged } from '../events/credentials-changed.js';
import { EventBus } from '../events/event-bus.js';
import type { CreateToken } from './dto/token.schema.js';
import { TokensRepository } from './tokens.repository.js';

@Injectable()
export class TokensService {
  constructor(
    private readonly repo: TokensRepository,
    private readonly audit: AuditService,
    private readonly bus: EventBus,
  ) {}

  list() {
    return this.repo.list();
  }

  /** The token text is returned here once and never again; only its hash is stored. */
  async create(dto: CreateToken, actor: Actor) {
    // A narrow token (say, an admin-only one handed to a script) must not mint a broader one.
    const beyond = dto.scopes.filter((s) => !actor.principal.permissions.has(s));
    if (beyond.length) {
      throw new AppError(
        'FORBIDDEN',
        `You cannot grant scopes you do not hold yourself: ${beyond.join(', ')}`,
        [{ field: 'scopes', message: `not held by the caller: ${beyond.join(', ')}` }],
      );
    }
    const token = newSecret(TOKEN_PREFIX);
    return this.repo.transaction(async (tx) => {
      const row = await this.repo.create(tx, {
        name: dto.name,
        prefix: token.slice(0, 10),
        tokenHash: hashSecret(token),
        scopes: dto.scopes,
        userId: actor.principal.userId,
        expiresAt: dto.expiresAt ? new Date(dto.expiresAt) : null,
      });
      await this.audit.record(tx, actor, {
        action: 'token.create',
        targetType: 'token',
        targetId: row.id,
        after: row,
      });
      return { ...row, token };
    });
  }

  async revoke(id: string, actor: Actor): Promise<void> {
    const userId = await this.repo.transaction(async (tx) => {
      const before = await this.repo.find(tx, id);
      if (!before) throw AppError.notFound('Token', id);
      const after = await this.repo.revoke(tx, id, before.revokedAt ?? new Date());
      await this.audit.record(tx, actor, {
        action: 'token.revoke',
        targetType: 'token',
        targetId: id,
        before,
        after,
      });
      return before.userId;
    });
    // Live WebSockets opened with this token close now, on every instance.
    this.bus.publish(credentialsChanged(userId, 'token.revoked'));
  }
}
