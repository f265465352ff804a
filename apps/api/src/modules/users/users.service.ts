import { randomBytes } from 'node:crypto';
import { Injectable, Logger, OnApplicationBootstrap } from '@nestjs/common';
import { hash } from '@node-rs/argon2';
import { AppError } from '../../common/errors/app-error.js';
import { AppConfig } from '../../config/app-config.js';
import { PrismaService } from '../../database/prisma.service.js';
import { Prisma } from '../../generated/prisma/client.js';
import { AuditService } from '../audit/audit.service.js';
import { authorizeRole } from '../auth/authorize.js';
import type { Actor } from '../auth/principal.js';
import type { CreateUser, UpdateUser } from './dto/user.schema.js';
import { passwordWeakness } from './password-policy.js';

const PUBLIC_FIELDS = {
  id: true,
  email: true,
  role: true,
  disabled: true,
  createdAt: true,
  updatedAt: true,
} as const;

@Injectable()
export class UsersService implements OnApplicationBootstrap {
  private readonly logger = new Logger('Users');

  constructor(
    private readonly prisma: PrismaService,
    private readonly audit: AuditService,
    private readonly config: AppConfig,
  ) {}

  /** First start: an admin from PORTICO_ADMIN_EMAIL/PASSWORD, or one with a password printed once. */
  async onApplicationBootstrap(): Promise<void> {
    if ((await this.prisma.user.count()) > 0) return;
    const email = this.config.adminEmail ?? 'admin@portico.local';
    const password = this.config.adminPassword ?? randomBytes(18).toString('base64url');
    try {
      await this.prisma.user.create({ data: { email, passwordHash: await hash(password), role: 'admin' } });
    } catch (error) {
      // Another instance created the first admin at the same moment.
      if (error instanceof Prisma.PrismaClientKnownRequestError && error.code === 'P2002') return;
      throw error;
    }
    this.logger.log({ email }, 'created the first admin');
    // Refusing here would leave a fresh install without any admin; the operator is told instead.
    const weak = this.config.adminPassword ? passwordWeakness(password, [email]) : null;
    if (weak) this.logger.warn(`PORTICO_ADMIN_PASSWORD ${weak}: change it after the first login`);
    if (!this.config.adminPassword) {
      // Deliberately on the console, not in the structured log: shown once to whoever starts Portico.
      process.stdout.write(`\n  Portico admin created: ${email}\n  Password (shown once): ${password}\n\n`);
    }
  }

  list() {
    return this.prisma.user.findMany({ select: PUBLIC_FIELDS, orderBy: { email: 'asc' } });
  }

  async create(dto: CreateUser, actor: Actor) {
    authorizeRole(actor, dto.role ?? 'viewer', 'Creating this user');
    const email = dto.email.toLowerCase();
    if (await this.prisma.user.findUnique({ where: { email } })) {
      throw new AppError('NAME_TAKEN', `A user with email ${email} already exists`, [
        { field: 'email', message: 'is already used' },
      ]);
    }
    assertStrong(dto.password, email);
    const passwordHash = await hash(dto.password);
    return this.prisma.$transaction(async (tx) => {
      const user = await tx.user.create({
        data: { email, passwordHash, role: dto.role ?? 'viewer' },
        select: PUBLIC_FIELDS,
      });
      await this.audit.record(tx, actor, {
        action: 'user.create',
        targetType: 'user',
        targetId: user.id,
        after: user,
      });
      return user;
    });
  }

  async update(id: string, dto: UpdateUser, actor: Actor) {
    return this.prisma.$transaction(async (tx) => {
      const before = await tx.user.findUnique({ where: { id }, select: PUBLIC_FIELDS });
      if (!before) throw AppError.notFound('User', id);
      if (dto.password) assertStrong(dto.password, before.email);
      const passwordHash = dto.password ? await hash(dto.password) : undefined;
      // Setting the password of a stronger user would let these credentials log in as it.
      authorizeRole(actor, before.role, 'Changing this user');
      if (dto.role) authorizeRole(actor, dto.role, 'Giving this role');
      if (
        id === actor.principal.userId &&
        ((dto.role !== undefined && dto.role !== 'admin') || dto.disabled)
      ) {
        throw new AppError('FORBIDDEN', 'You cannot demote or disable yourself; ask another admin');
      }
      const user = await tx.user.update({
        where: { id },
        data: { role: dto.role, disabled: dto.disabled, passwordHash },
        select: PUBLIC_FIELDS,
      });
      if (passwordHash || dto.disabled) await tx.session.deleteMany({ where: { userId: id } });
      await this.audit.record(tx, actor, {
        action: 'user.update',
        targetType: 'user',
        targetId: id,
        before,
        after: { ...user, passwordChanged: Boolean(passwordHash) },
      });
      return user;
    });
  }

  async remove(id: string, actor: Actor): Promise<void> {
    if (id === actor.principal.userId) throw new AppError('FORBIDDEN', 'You cannot delete yourself');
    await this.prisma.$transaction(async (tx) => {
      const before = await tx.user.findUnique({ where: { id }, select: PUBLIC_FIELDS });
      if (!before) throw AppError.notFound('User', id);
      authorizeRole(actor, before.role, 'Deleting this user');
      await tx.user.delete({ where: { id } });
      await this.audit.record(tx, actor, { action: 'user.delete', targetType: 'user', targetId: id, before });
    });
  }
}

/** Every door that sets a password (create, update) goes through here: one policy. */
function assertStrong(password: string, email: string): void {
  const weak = passwordWeakness(password, [email]);
  if (weak) throw AppError.invalid('password', weak);
}
