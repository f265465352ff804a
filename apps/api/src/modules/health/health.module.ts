import { Module } from '@nestjs/common';
import { AgentHostsModule } from '../agent-hosts/agent-hosts.module.js';
import { DeploymentsModule } from '../deployments/deployments.module.js';
import { HealthController } from './health.controller.js';
import { HealthRepository } from './health.repository.js';
import { HealthService } from './health.service.js';
import { HealthQueries } from './health-queries.js';
import { HealthReports } from './health-reports.js';
import { LatestResults } from './latest-results.js';

@Module({
  imports: [DeploymentsModule, AgentHostsModule],
  controllers: [HealthController],
  providers: [HealthRepository, HealthService, HealthQueries, HealthReports, LatestResults],
  exports: [HealthQueries, HealthReports],
})
export class HealthModule {}
