import { Module } from '@nestjs/common';
import { DeploymentsModule } from '../deployments/deployments.module.js';
import { HealthController } from './health.controller.js';
import { HealthRepository } from './health.repository.js';
import { HealthService } from './health.service.js';
import { HealthQueries } from './health-queries.js';

@Module({
  imports: [DeploymentsModule],
  controllers: [HealthController],
  providers: [HealthRepository, HealthService, HealthQueries],
  exports: [HealthQueries],
})
export class HealthModule {}
