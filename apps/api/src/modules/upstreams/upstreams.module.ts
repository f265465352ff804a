import { Module } from '@nestjs/common';
import { UpstreamsController } from './upstreams.controller.js';
import { UpstreamsRepository } from './upstreams.repository.js';
import { UpstreamsService } from './upstreams.service.js';

@Module({
  controllers: [UpstreamsController],
  providers: [UpstreamsRepository, UpstreamsService],
  exports: [UpstreamsRepository],
})
export class UpstreamsModule {}
