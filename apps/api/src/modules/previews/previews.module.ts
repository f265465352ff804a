import { Module } from '@nestjs/common';
import { DesiredStateModule } from '../desired-state/desired-state.module.js';
import { RenderModule } from '../render/render.module.js';
import { SitesModule } from '../sites/sites.module.js';
import { DraftPreviewService } from './draft-preview.service.js';
import { PreviewsController } from './previews.controller.js';

/**
 * The preview endpoints: the stored state (without keys), or an unsaved draft in it, through the
 * pure renderer. Their own room, so render/ stays a pure function of a FleetState.
 */
@Module({
  imports: [RenderModule, DesiredStateModule, SitesModule],
  controllers: [PreviewsController],
  providers: [DraftPreviewService],
})
export class PreviewsModule {}
