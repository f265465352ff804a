import { CanActivate, ExecutionContext, Injectable } from '@nestjs/common';
import { Reflector } from '@nestjs/core';
import { AppError } from '../../common/errors/app-error.js';
import { AuthenticatedRequest, DEFAULT_PERMISSION, PERMISSION_KEY, PUBLIC_KEY } from './auth.decorators.js';
import { AuthService } from './auth.service.js';
import { SESSION_COOKIE } from './credentials.js';
import type { Permission } from './principal.js';

/** Global guard: every route needs a valid session or token unless marked @Public(). */
@Injectable()
export class AuthGuard implements CanActivate {
  constructor(
    private readonly auth: AuthService,
    private readonly reflector: Reflector,
  ) {}

  async canActivate(ctx: ExecutionContext): Promise<boolean> {
    const targets = [ctx.getHandler(), ctx.getClass()];
    if (this.reflector.getAllAndOverride<boolean>(PUBLIC_KEY, targets)) return true;

    const req = ctx.switchToHttp().getRequest<AuthenticatedRequest>();
    const header = req.headers.authorization;
    const bearer = header?.startsWith('Bearer ') ? header.slice(7).trim() : undefined;
    const session = (req.cookies as Record<string, string> | undefined)?.[SESSION_COOKIE];
    const principal = await this.auth.authenticate({ bearer, session });
    if (!principal) {
      throw new AppError('UNAUTHENTICATED', 'Log in, or send a valid API token as "Authorization: Bearer …"');
    }
    req.principal = principal;

    const needed =
      this.reflector.getAllAndOverride<Permission>(PERMISSION_KEY, targets) ?? DEFAULT_PERMISSION;
    if (!principal.permissions.has(needed)) {
      const via = principal.kind === 'token' ? 'this token (role and scopes)' : `role ${principal.role}`;
      throw new AppError('FORBIDDEN', `This needs the "${needed}" permission, which ${via} does not grant`);
    }
    return true;
  }
}
