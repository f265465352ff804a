import { Injectable } from '@nestjs/common';
import { AppError } from '../../common/errors/app-error.js';
import { PrismaService } from '../../database/prisma.service.js';
import { AuditService } from '../audit/audit.service.js';
import { hashSecret, newSecret, TOKEN_PREFIX } from '../auth/credentials.js';
import type { Actor } from '../auth/principal.js';
import { credentialsChanged } from '../events/credentials-changed.js';
import { EventBus } from '../events/event-bus.js';
import type { CreateToken } from './dto/token.schema.js';

const PUBLIC_FIELDS = {
  id: true,
  name: true,
  prefix: true,
  scopes: true,
  userId: true,
  createdAt: true,
  expiresAt: true,
  revokedAt: true,
  lastUsedAt: true,
} as const;

@Injectable()
export class TokensService {
  constructor(
    private readonly prisma: PrismaService,
    private readonly audit: AuditService,
    private readonly bus: EventBus,
  ) {}

  list() {
    return this.prisma.apiToken.findMany({
      select: { ...PUBLIC_FIELDS, user: { select: { email: true } } },
      orderBy: { createdAt: 'desc' },
    });
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
    return this.prisma.$transaction(async (tx) => {
      const row = await tx.apiToken.create({
        data: {
          name: dto.name,
          prefix: token.slice(0, 10),
          tokenHash: hashSecret(token),
          scopes: dto.scopes,
          userId: actor.principal.userId,
          expiresAt: dto.expiresAt ? new Date(dto.expiresAt) : null,
        },
        select: PUBLIC_FIELDS,
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
    const userId = await this.prisma.$transaction(async (tx) => {
      const before = await tx.apiToken.findUnique({ where: { id }, select: PUBLIC_FIELDS });
      if (!before) throw AppError.notFound('Token', id);
      const after = await tx.apiToken.update({
        where: { id },
        data: { revokedAt: before.revokedAt ?? new Date() },
        select: PUBLIC_FIELDS,
      });
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
