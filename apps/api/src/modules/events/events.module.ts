import { Global, Module } from '@nestjs/common';
import { EventBus } from './event-bus.js';
import { InstanceIdentity } from './instance-identity.js';
import { RedisBridge } from './redis-bridge.js';

@Global()
@Module({
  providers: [EventBus, InstanceIdentity, RedisBridge],
  exports: [EventBus, InstanceIdentity],
})
export class EventsModule {}
