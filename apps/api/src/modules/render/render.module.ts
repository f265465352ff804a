import { Module } from '@nestjs/common';
import { DesiredStateModule } from '../desired-state/desired-state.module.js';
import { RenderController } from './render.controller.js';
import { RenderService } from './render.service.js';

@Module({
  imports: [DesiredStateModule],
  controllers: [RenderController],
  providers: [RenderService],
  exports: [RenderService],
})
export class RenderModule {}
