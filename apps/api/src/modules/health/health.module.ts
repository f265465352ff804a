import { Module } from '@nestjs/common';
import { HealthController } from './health.controller.js';
import { HealthRepository } from './health.repository.js';
import { HealthService } from './health.service.js';
import { HealthQueries } from './health-queries.js';
import { HealthReports } from './health-reports.js';
import { LatestResults } from './latest-results.js';

/**
 * Probes, their schedule and state, and the reports port. Probes on agents come through the
 * `AgentProbes` port, bound by the app's wiring (`agent-probes.module.ts`), so health imports
 * no feature that it watches.
 */
@Module({
  controllers: [HealthController],
  providers: [HealthRepository, HealthService, HealthQueries, HealthReports, LatestResults],
  exports: [HealthQueries, HealthReports],
})
export class HealthModule {}
