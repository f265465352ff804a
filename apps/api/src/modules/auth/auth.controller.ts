import { Body, Controller, Get, HttpCode, Post, Req, Res, UseGuards } from '@nestjs/common';
import { ApiTags } from '@nestjs/swagger';
import { ThrottlerGuard } from '@nestjs/throttler';
import type { Response } from 'express';
import { AppError } from '../../common/errors/app-error.js';
import { ApiView } from '../../common/http/view-schema.js';
import { AppConfig } from '../../config/app-config.js';
import { AuthenticatedRequest, CurrentActor, Public } from './auth.decorators.js';
import { AuthService } from './auth.service.js';
import { loginView, meView } from './auth.view.js';
import { SESSION_COOKIE } from './credentials.js';
import type { Login } from './dto/login.schema.js';
import { loginSchema } from './dto/login.schema.js';
import { Actor } from './principal.js';

@ApiTags('auth')
@Controller('api/v1/auth')
export class AuthController {
  constructor(
    private readonly auth: AuthService,
    private readonly config: AppConfig,
  ) {}

  @ApiView(loginView)
  @Public()
  @UseGuards(ThrottlerGuard)
  @Post('login')
  @HttpCode(200)
  async login(
    @Body({ schema: loginSchema }) body: Login,
    @Req() req: AuthenticatedRequest,
    @Res({ passthrough: true }) res: Response,
  ) {
    const { sessionToken, expiresAt, principal } = await this.auth
      .login(body.email, body.password, requestIdOf(req))
      .catch((error: unknown) => {
        const retryAfterSec = (error as AppError).details as { retryAfterSec?: number } | undefined;
        if (error instanceof AppError && retryAfterSec?.retryAfterSec) {
          res.setHeader('Retry-After', String(retryAfterSec.retryAfterSec));
        }
        throw error;
      });
    res.cookie(SESSION_COOKIE, sessionToken, {
      httpOnly: true,
      sameSite: 'lax',
      // Over HTTPS, or behind a TRUST_PROXY peer that says X-Forwarded-Proto: https.
      secure: this.config.cookieSecure || req.secure,
      expires: expiresAt,
      path: '/',
    });
    return { user: { id: principal.userId, email: principal.email, role: principal.role }, expiresAt };
  }

  @Public()
  @Post('logout')
  @HttpCode(204)
  async logout(@Req() req: AuthenticatedRequest, @Res({ passthrough: true }) res: Response) {
    const token = (req.cookies as Record<string, string> | undefined)?.[SESSION_COOKIE];
    if (token) await this.auth.logout(token, requestIdOf(req));
    res.clearCookie(SESSION_COOKIE, { path: '/', secure: this.config.cookieSecure || req.secure });
  }

  @ApiView(meView)
  @Get('me')
  me(@CurrentActor() { principal }: Actor) {
    return {
      id: principal.userId,
      email: principal.email,
      role: principal.role,
      via: principal.kind,
      permissions: [...principal.permissions],
    };
  }
}

const requestIdOf = (req: AuthenticatedRequest) => (req.id === undefined ? undefined : String(req.id));
