import { Module } from '@nestjs/common';
import { APP_GUARD } from '@nestjs/core';
import { ThrottlerModule } from '@nestjs/throttler';
import { AppConfig } from '../../config/app-config.js';
import { AuthController } from './auth.controller.js';
import { AuthGuard } from './auth.guard.js';
import { AuthRepository } from './auth.repository.js';
import { AuthService } from './auth.service.js';
import { LoginBackoff } from './login-backoff.js';

@Module({
  imports: [
    // Only the login route uses the ThrottlerGuard: brute force is the threat it answers. It
    // counts per client address (req.ip, the forwarded one behind a TRUST_PROXY peer); the
    // per-account side is LoginBackoff.
    ThrottlerModule.forRootAsync({
      inject: [AppConfig],
      useFactory: (config: AppConfig) => ({
        throttlers: [{ ttl: 60_000, limit: config.loginAttemptsPerMinute }],
      }),
    }),
  ],
  controllers: [AuthController],
  providers: [AuthRepository, AuthService, LoginBackoff, { provide: APP_GUARD, useClass: AuthGuard }],
  exports: [AuthService],
})
export class AuthModule {}
