import { randomBytes } from 'node:crypto';
import { Injectable, Logger, OnApplicationBootstrap } from '@nestjs/common';
import { hash } from '@node-rs/argon2';
import { AppError } from '../../common/errors/app-error.js';
import { AppConfig } from '../../config/app-config.js';
import { AuditService } from '../audit/audit.service.js';
import { authorizeRole } from '../auth/authorize.js';
import type { Actor } from '../auth/principal.js';
import { credentialsChanged } from '../events/credentials-changed.js';
import { EventBus } from '../events/event-bus.js';
import type { CreateUser, UpdateUser } from './dto/user.schema.js';
import { passwordWeakness } from './password-policy.js';
import { UsersRepository } from './users.repository.js';

@Injectable()
export class UsersService implements OnApplicationBootstrap {
  private readonly logger = new Logger('Users');
  /** A password this instance generated for the first admin, until main.ts has printed it. */
  private generatedAdmin: { email: string; password: string } | undefined;

  constructor(
    private readonly repo: UsersRepository,
    private readonly audit: AuditService,
    private readonly config: AppConfig,
    private readonly bus: EventBus,
  ) {}

  /** First start: an admin from PORTICO_ADMIN_EMAIL/PASSWORD, or one with a password printed once. */
  async onApplicationBootstrap(): Promise<void> {
    if ((await this.repo.count()) > 0) return;
    const email = this.config.adminEmail ?? 'admin@portico.local';
    const password = this.config.adminPassword ?? randomBytes(18).toString('base64url');
    // Another instance may have created the first admin at the same moment.
    if (!(await this.repo.createIfFree({ email, passwordHash: await hash(password), role: 'admin' }))) return;
    this.logger.log({ email }, 'created the first admin');
    // Refusing here would leave a fresh install without any admin; the operator is told instead.
    const weak = this.config.adminPassword ? passwordWeakness(password, [email]) : null;
    if (weak) this.logger.warn(`PORTICO_ADMIN_PASSWORD ${weak}: change it after the first login`);
    if (!this.config.adminPassword) this.generatedAdmin = { email, password };
  }

  /**
   * The first admin's generated password, once: main.ts prints it on the console when the
   * server listens (never in the structured log), and it is not kept afterwards.
   */
  takeGeneratedAdmin(): { email: string; password: string } | undefined {
    const admin = this.generatedAdmin;
    this.generatedAdmin = undefined;
    return admin;
  }

  list() {
    return this.repo.list();
  }

  async create(dto: CreateUser, actor: Actor) {
    authorizeRole(actor, dto.role ?? 'viewer', 'Creating this user');
    const email = dto.email.toLowerCase();
    if (await this.repo.emailTaken(email)) {
      throw new AppError('NAME_TAKEN', `A user with email ${email} already exists`, [
        { field: 'email', message: 'is already used' },
      ]);
    }
    assertStrong(dto.password, email);
    const passwordHash = await hash(dto.password);
    return this.repo.transaction(async (tx) => {
      const user = await this.repo.create(tx, { email, passwordHash, role: dto.role ?? 'viewer' });
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
    const updated = await this.repo.transaction(async (tx) => {
      const before = await this.repo.find(tx, id);
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
      const user = await this.repo.update(tx, id, { role: dto.role, disabled: dto.disabled, passwordHash });
      if (passwordHash || dto.disabled) await this.repo.endSessions(tx, id);
      await this.audit.record(tx, actor, {
        action: 'user.update',
        targetType: 'user',
        targetId: id,
        before,
        after: { ...user, passwordChanged: Boolean(passwordHash) },
      });
      return user;
    });
    // A demoted, disabled or re-passworded user's live WebSockets narrow or close now.
    this.bus.publish(credentialsChanged(id, 'user.changed'));
    return updated;
  }

  async remove(id: string, actor: Actor): Promise<void> {
    if (id === actor.principal.userId) throw new AppError('FORBIDDEN', 'You cannot delete yourself');
    await this.repo.transaction(async (tx) => {
      const before = await this.repo.find(tx, id);
      if (!before) throw AppError.notFound('User', id);
      authorizeRole(actor, before.role, 'Deleting this user');
      await this.repo.delete(tx, id);
      await this.audit.record(tx, actor, { action: 'user.delete', targetType: 'user', targetId: id, before });
    });
    this.bus.publish(credentialsChanged(id, 'user.deleted'));
  }
}

/** Every door that sets a password (create, update) goes through here: one policy. */
function assertStrong(password: string, email: string): void {
  const weak = passwordWeakness(password, [email]);
  if (weak) throw AppError.invalid('password', weak);
}
