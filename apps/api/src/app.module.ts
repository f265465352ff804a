import { randomUUID } from 'node:crypto';
import { DynamicModule, Module } from '@nestjs/common';
import { APP_FILTER } from '@nestjs/core';
import { LoggerModule } from 'nestjs-pino';
import { ErrorFilter } from './common/errors/error.filter.js';
import { SecretsModule } from './common/secrets/secrets.module.js';
import { AppConfig } from './config/app-config.js';
import { DatabaseModule } from './database/database.module.js';
import { AgentsModule } from './modules/agents/agents.module.js';
import { AuditModule } from './modules/audit/audit.module.js';
import { AuthModule } from './modules/auth/auth.module.js';
import { EventsModule } from './modules/events/events.module.js';
import { LivenessController } from './modules/liveness/liveness.controller.js';
import { RecordsModule } from './modules/records/records.module.js';
import { RenderPreviewModule } from './modules/render/render-preview.module.js';
import { RevisionsModule } from './modules/revisions/revisions.module.js';
import { ServicesModule } from './modules/services/services.module.js';
import { SitesModule } from './modules/sites/sites.module.js';
import { TokensModule } from './modules/tokens/tokens.module.js';
import { UpstreamsModule } from './modules/upstreams/upstreams.module.js';
import { UsersModule } from './modules/users/users.module.js';

@Module({})
export class AppModule {
  static forRoot(config: AppConfig): DynamicModule {
    return {
      module: AppModule,
      global: true,
      imports: [
        LoggerModule.forRoot({
          pinoHttp: {
            level: config.logLevel,
            genReqId: (req, res) => {
              const given = req.headers['x-request-id'];
              const id = typeof given === 'string' && /^[\w.-]{1,64}$/.test(given) ? given : randomUUID();
              res.setHeader('X-Request-Id', id);
              return id;
            },
            redact: {
              paths: ['req.headers.authorization', 'req.headers.cookie', 'res.headers["set-cookie"]'],
              remove: true,
            },
          },
        }),
        DatabaseModule,
        SecretsModule,
        EventsModule,
        AuditModule,
        RevisionsModule,
        AuthModule,
        UsersModule,
        TokensModule,
        UpstreamsModule,
        SitesModule,
        AgentsModule,
        ServicesModule,
        RecordsModule,
        RenderPreviewModule,
      ],
      controllers: [LivenessController],
      providers: [
        { provide: AppConfig, useValue: config },
        { provide: APP_FILTER, useClass: ErrorFilter },
      ],
      exports: [AppConfig],
    };
  }
}
