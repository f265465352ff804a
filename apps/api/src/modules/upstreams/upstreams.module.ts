import { Module } from '@nestjs/common';
import { DesiredStateModule } from '../desired-state/desired-state.module.js';
import { UpstreamsController } from './upstreams.controller.js';
import { UpstreamsRepository } from './upstreams.repository.js';
import { UpstreamsService } from './upstreams.service.js';

@Module({
  imports: [DesiredStateModule],
  controllers: [UpstreamsController],
  providers: [UpstreamsRepository, UpstreamsService],
  exports: [UpstreamsRepository, UpstreamsService],
})
export class UpstreamsModule {}
