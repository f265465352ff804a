import { Module } from '@nestjs/common';
import { AuthModule } from '../auth/auth.module.js';
import { HealthModule } from '../health/health.module.js';
import { EventsGateway } from './events.gateway.js';
import { TopicSnapshots } from './topic-snapshots.js';

@Module({
  imports: [AuthModule, HealthModule],
  providers: [EventsGateway, TopicSnapshots],
})
export class GatewayModule {}
