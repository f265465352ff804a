import { Module } from '@nestjs/common';
import { DesiredStateModule } from '../desired-state/desired-state.module.js';
import { RenderController } from './render.controller.js';
import { RenderModule } from './render.module.js';

/** The preview endpoints: the stored state (without keys) through the renderer. */
@Module({
  imports: [RenderModule, DesiredStateModule],
  controllers: [RenderController],
})
export class RenderPreviewModule {}
