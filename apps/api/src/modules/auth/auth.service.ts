import { Injectable } from '@nestjs/common';
import { verify } from '@node-rs/argon2';
import { AppError } from '../../common/errors/app-error.js';
import { AppConfig } from '../../config/app-config.js';
import { PrismaService } from '../../database/prisma.service.js';
import { AuditService } from '../audit/audit.service.js';
import { credentialsChanged } from '../events/credentials-changed.js';
import { EventBus } from '../events/event-bus.js';
import { AuthRepository } from './auth.repository.js';
import { hashSecret, newSecret, TOKEN_PREFIX } from './credentials.js';
import { LoginBackoff } from './login-backoff.js';
import { Principal, permissionsFor } from './principal.js';

// Verified against when the email is unknown, so response time does not reveal which emails exist.
const DUMMY_HASH =
  '$argon2id$v=19$m=19456,t=2,p=1$BG+5dq5zaeRwUHUNYtlc7Q$9r+O5hCJZUXRuK/+jsm89wCIxetivL8Z4TSQNpnf4yU';

@Injectable()
export class AuthService {
  constructor(
    private readonly repo: AuthRepository,
    private readonly config: AppConfig,
    private readonly prisma: PrismaService,
    private readonly audit: AuditService,
    private readonly bus: EventBus,
    private readonly backoff: LoginBackoff,
  ) {}

  /** Opens a session; the login is audited with it. Failures are only in the request log. */
  async login(
    email: string,
    password: string,
    requestId?: string,
  ): Promise<{ sessionToken: string; expiresAt: Date; principal: Principal }> {
    const account = email.toLowerCase();
    // Unknown emails back off exactly like known ones: the answer reveals nothing.
    this.backoff.assertAllowed(account);
    const user = await this.repo.findUserByEmail(account);
    const ok = await verify(user?.passwordHash ?? DUMMY_HASH, password).catch(() => false);
    if (!user || !ok || user.disabled) {
      this.backoff.failed(account);
      throw new AppError('INVALID_CREDENTIALS', 'Email or password is wrong, or the account is disabled');
    }
    const sessionToken = newSecret('');
    const expiresAt = new Date(Date.now() + this.config.sessionTtlHours * 3_600_000);
    const principal = toPrincipal('session', user);
    this.backoff.succeeded(account);
    await this.prisma.$transaction(async (tx) => {
      // Expired sessions can never be used again; every login sweeps them away.
      await this.repo.deleteExpiredSessions(tx, new Date());
      const session = await this.repo.createSession(tx, user.id, hashSecret(sessionToken), expiresAt);
      await this.audit.record(
        tx,
        { principal, requestId },
        {
          action: 'auth.login',
          targetType: 'session',
          targetId: session.id,
          after: { userId: user.id, expiresAt },
        },
      );
    });
    return { sessionToken, expiresAt, principal };
  }

  async logout(sessionToken: string, requestId?: string): Promise<void> {
    const userId = await this.prisma.$transaction(async (tx) => {
      const session = await this.repo.deleteSession(tx, hashSecret(sessionToken));
      if (!session) return null;
      await this.audit.record(
        tx,
        { principal: toPrincipal('session', session.user), requestId },
        {
          action: 'auth.logout',
          targetType: 'session',
          targetId: session.id,
          before: { userId: session.userId, expiresAt: session.expiresAt },
        },
      );
      return session.userId;
    });
    // The dashboard's live socket of this session closes now, on every instance.
    if (userId) this.bus.publish(credentialsChanged(userId, 'session.ended'));
  }

  /** Resolves a bearer token or session cookie to a principal, or null when it is not valid. */
  async authenticate(credential: { bearer?: string; session?: string }): Promise<Principal | null> {
    if (credential.bearer?.startsWith(TOKEN_PREFIX)) {
      const token = await this.repo.findToken(hashSecret(credential.bearer));
      if (!token || token.revokedAt || token.user.disabled) return null;
      if (token.expiresAt && token.expiresAt <= new Date()) return null;
      await this.repo.touchToken(token.id);
      return { ...toPrincipal('token', token.user, token.scopes), tokenId: token.id };
    }
    if (credential.session) {
      const session = await this.repo.findSession(hashSecret(credential.session));
      if (!session || session.expiresAt <= new Date() || session.user.disabled) return null;
      return toPrincipal('session', session.user);
    }
    return null;
  }
}

function toPrincipal(
  kind: Principal['kind'],
  user: { id: string; email: string; role: Principal['role'] },
  scopes?: string[],
): Principal {
  return {
    kind,
    userId: user.id,
    email: user.email,
    role: user.role,
    permissions: permissionsFor(user.role, scopes),
  };
}
