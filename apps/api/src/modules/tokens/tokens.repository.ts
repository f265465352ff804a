import { Injectable } from '@nestjs/common';
import { PrismaService, type Tx } from '../../database/prisma.service.js';

/** What a token row shows outside: never the hash. */
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

export interface NewToken {
  name: string;
  prefix: string;
  tokenHash: string;
  scopes: string[];
  userId: string;
  expiresAt: Date | null;
}

@Injectable()
export class TokensRepository {
  constructor(private readonly prisma: PrismaService) {}

  transaction<T>(fn: (tx: Tx) => Promise<T>): Promise<T> {
    return this.prisma.$transaction(fn);
  }

  /** Every token, newest first, with its owner's email. */
  list() {
    return this.prisma.apiToken.findMany({
      select: { ...PUBLIC_FIELDS, user: { select: { email: true } } },
      orderBy: { createdAt: 'desc' },
    });
  }

  create(tx: Tx, data: NewToken) {
    return tx.apiToken.create({ data, select: PUBLIC_FIELDS });
  }

  find(tx: Tx, id: string) {
    return tx.apiToken.findUnique({ where: { id }, select: PUBLIC_FIELDS });
  }

  revoke(tx: Tx, id: string, revokedAt: Date) {
    return tx.apiToken.update({ where: { id }, data: { revokedAt }, select: PUBLIC_FIELDS });
  }
}
