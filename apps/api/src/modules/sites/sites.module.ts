import { Module } from '@nestjs/common';
import { DesiredStateModule } from '../desired-state/desired-state.module.js';
import { SitesController } from './sites.controller.js';
import { SitesRepository } from './sites.repository.js';
import { SitesService } from './sites.service.js';

@Module({
  imports: [DesiredStateModule],
  controllers: [SitesController],
  providers: [SitesRepository, SitesService],
  exports: [SitesRepository, SitesService],
})
export class SitesModule {}
