import { Injectable } from '@nestjs/common';
import { PrismaService, type Tx } from '../../database/prisma.service.js';
import { Prisma } from '../../generated/prisma/client.js';
import type { Role } from '../../generated/prisma/enums.js';

/** What a user row shows outside: never the password hash. */
const PUBLIC_FIELDS = {
  id: true,
  email: true,
  role: true,
  disabled: true,
  createdAt: true,
  updatedAt: true,
} as const;

@Injectable()
export class UsersRepository {
  constructor(private readonly prisma: PrismaService) {}

  transaction<T>(fn: (tx: Tx) => Promise<T>): Promise<T> {
    return this.prisma.$transaction(fn);
  }

  count(): Promise<number> {
    return this.prisma.user.count();
  }

  /** False when the email is taken (another instance created the first admin at the same moment). */
  async createIfFree(data: { email: string; passwordHash: string; role: Role }): Promise<boolean> {
    try {
      await this.prisma.user.create({ data });
      return true;
    } catch (error) {
      if (error instanceof Prisma.PrismaClientKnownRequestError && error.code === 'P2002') return false;
      throw error;
    }
  }

  list() {
    return this.prisma.user.findMany({ select: PUBLIC_FIELDS, orderBy: { email: 'asc' } });
  }

  async emailTaken(email: string): Promise<boolean> {
    return (await this.prisma.user.findUnique({ where: { email }, select: { id: true } })) !== null;
  }

  find(tx: Tx, id: string) {
    return tx.user.findUnique({ where: { id }, select: PUBLIC_FIELDS });
  }

  create(tx: Tx, data: { email: string; passwordHash: string; role: Role }) {
    return tx.user.create({ data, select: PUBLIC_FIELDS });
  }

  update(tx: Tx, id: string, data: { role?: Role; disabled?: boolean; passwordHash?: string }) {
    return tx.user.update({ where: { id }, data, select: PUBLIC_FIELDS });
  }

  /** Logs the user out everywhere. */
  async endSessions(tx: Tx, userId: string): Promise<void> {
    await tx.session.deleteMany({ where: { userId } });
  }

  async delete(tx: Tx, id: string): Promise<void> {
    await tx.user.delete({ where: { id } });
  }
}
