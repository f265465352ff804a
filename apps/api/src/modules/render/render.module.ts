import { Module } from '@nestjs/common';
import { RenderService } from './render.service.js';

/** The pure renderer, for anything that needs files from a FleetState (deploy, previews). */
@Module({
  providers: [RenderService],
  exports: [RenderService],
})
export class RenderModule {}
