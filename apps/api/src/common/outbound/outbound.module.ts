import { Global, Module } from '@nestjs/common';
import { AppConfig } from '../../config/app-config.js';
import { OutboundPolicy } from './outbound-policy.js';

@Global()
@Module({
  providers: [
    {
      provide: OutboundPolicy,
      inject: [AppConfig],
      useFactory: (config: AppConfig) => new OutboundPolicy(config.outbound.deny, config.outbound.allow),
    },
  ],
  exports: [OutboundPolicy],
})
export class OutboundModule {}
