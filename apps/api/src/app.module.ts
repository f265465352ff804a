import { DynamicModule, Module } from '@nestjs/common';
import { APP_FILTER } from '@nestjs/core';
import { LoggerModule } from 'nestjs-pino';
import { AgentProbesModule } from './agent-probes.module.js';
import { ErrorFilter } from './common/errors/error.filter.js';
import { OutboundModule } from './common/outbound/outbound.module.js';
import { SecretsModule } from './common/secrets/secrets.module.js';
import { AppConfig } from './config/app-config.js';
import { DatabaseModule } from './database/database.module.js';
import { httpLogger } from './logging/http-logger.js';
import { AgentHostsModule } from './modules/agent-hosts/agent-hosts.module.js';
import { AgentsModule } from './modules/agents/agents.module.js';
import { AuditModule } from './modules/audit/audit.module.js';
import { AuthModule } from './modules/auth/auth.module.js';
import { BackupModule } from './modules/backup/backup.module.js';
import { CertificatesModule } from './modules/certificates/certificates.module.js';
import { DeclarativeModule } from './modules/declarative/declarative.module.js';
import { DeploymentsModule } from './modules/deployments/deployments.module.js';
import { DoctorModule } from './modules/doctor/doctor.module.js';
import { EventsModule } from './modules/events/events.module.js';
import { GatewayModule } from './modules/gateway/gateway.module.js';
import { HealthModule } from './modules/health/health.module.js';
import { LivenessController } from './modules/liveness/liveness.controller.js';
import { MetricsModule } from './modules/metrics/metrics.module.js';
import { PreviewsModule } from './modules/previews/previews.module.js';
import { RevisionsModule } from './modules/revisions/revisions.module.js';
import { ServicesModule } from './modules/services/services.module.js';
import { SitesModule } from './modules/sites/sites.module.js';
import { TokensModule } from './modules/tokens/tokens.module.js';
import { UpstreamsModule } from './modules/upstreams/upstreams.module.js';
import { UsersModule } from './modules/users/users.module.js';

@Module({})
// biome-ignore lint/complexity/noStaticOnlyClass: a Nest dynamic module is a class with a static forRoot
export class AppModule {
  static forRoot(config: AppConfig): DynamicModule {
    return {
      module: AppModule,
      global: true,
      imports: [
        LoggerModule.forRoot({ pinoHttp: httpLogger(config) }),
        DatabaseModule,
        SecretsModule,
        OutboundModule,
        EventsModule,
        AuditModule,
        RevisionsModule,
        AuthModule,
        UsersModule,
        TokensModule,
        UpstreamsModule,
        SitesModule,
        AgentsModule,
        AgentHostsModule,
        DeploymentsModule,
        AgentProbesModule,
        ServicesModule,
        HealthModule,
        GatewayModule,
        CertificatesModule,
        PreviewsModule,
        DeclarativeModule,
        BackupModule,
        MetricsModule,
        DoctorModule,
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
