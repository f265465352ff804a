import { Injectable } from '@nestjs/common';
import { PrismaService, Tx } from '../../database/prisma.service.js';

@Injectable()
export class AuthRepository {
  constructor(private readonly prisma: PrismaService) {}

  findUserByEmail(email: string) {
    return this.prisma.user.findUnique({ where: { email } });
  }

  createSession(tx: Tx, userId: string, tokenHash: string, expiresAt: Date) {
    return tx.session.create({ data: { userId, tokenHash, expiresAt } });
  }

  deleteExpiredSessions(tx: Tx, now: Date) {
    return tx.session.deleteMany({ where: { expiresAt: { lte: now } } });
  }

  findSession(tokenHash: string) {
    return this.prisma.session.findUnique({ where: { tokenHash }, include: { user: true } });
  }

  /** The session removed, with its user, or null when there was none. */
  async deleteSession(tx: Tx, tokenHash: string) {
    const session = await tx.session.findUnique({ where: { tokenHash }, include: { user: true } });
    if (session) await tx.session.delete({ where: { id: session.id } });
    return session;
  }

  findToken(tokenHash: string) {
    return this.prisma.apiToken.findUnique({ where: { tokenHash }, include: { user: true } });
  }

  touchToken(id: string) {
    return this.prisma.apiToken.update({ where: { id }, data: { lastUsedAt: new Date() } });
  }
}
