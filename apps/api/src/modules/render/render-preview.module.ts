import { Module } from '@nestjs/common';
import { DesiredStateModule } from '../desired-state/desired-state.module.js';
import { DraftPreviewService } from './draft-preview.service.js';
import { RenderController } from './render.controller.js';
import { RenderModule } from './render.module.js';

/** The preview endpoints: the stored state (without keys), or a draft in it, through the renderer. */
@Module({
  imports: [RenderModule, DesiredStateModule],
  controllers: [RenderController],
  providers: [DraftPreviewService],
})
export class RenderPreviewModule {}
