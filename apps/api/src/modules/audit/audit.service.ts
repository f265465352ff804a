import { Injectable } from '@nestjs/common';
import type { Tx } from '../../database/prisma.service.js';
import { Prisma } from '../../generated/prisma/client.js';
import type { AuditActor } from './audit-actor.js';

const SECRET_KEYS = /password|secret|privatekey|keyencrypted|keypem|tokenhash|^token$/i;

/**
 * Drops secret-looking fields at any depth so before/after snapshots are safe to show. A boolean
 * about a secret (hasPrivateKey, passwordChanged) is not one, and is what the trail should say.
 */
export function redact(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(redact);
  if (value instanceof Date) return value.toISOString();
  if (value && typeof value === 'object') {
    return Object.fromEntries(
      Object.entries(value)
        .filter(([k, v]) => typeof v === 'boolean' || !SECRET_KEYS.test(k))
        .map(([k, v]) => [k, redact(v)]),
    );
  }
  return value;
}

export interface AuditEntry {
  action: string;
  targetType: string;
  targetId?: string | null;
  before?: unknown;
  after?: unknown;
}

/** Writes audit events inside the caller's transaction: the change and its record land together. */
@Injectable()
export class AuditService {
  async record(tx: Tx, actor: AuditActor, entry: AuditEntry): Promise<void> {
    const json = (v: unknown) =>
      v === undefined || v === null ? Prisma.DbNull : (redact(v) as Prisma.InputJsonValue);
    await tx.auditEvent.create({
      data: {
        actorType: actor.principal.kind,
        actorId: actor.principal.tokenId ?? actor.principal.userId,
        actorLabel: actor.principal.email,
        action: entry.action,
        targetType: entry.targetType,
        targetId: entry.targetId ?? null,
        before: json(entry.before),
        after: json(entry.after),
        requestId: actor.requestId ?? null,
      },
    });
  }
}
