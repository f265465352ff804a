import { Body, Controller, Get, HttpCode, Param, ParseUUIDPipe, Post, Query } from '@nestjs/common';
import { ApiTags } from '@nestjs/swagger';
import { z } from 'zod';
import { AppError } from '../../common/errors/app-error.js';
import { ApiView } from '../../common/http/view-schema.js';
import { DesiredStateService } from '../desired-state/desired-state.service.js';
import { RenderService } from '../render/render.service.js';
import type { CreateService } from '../services/dto/service.schema.js';
import { createServiceSchema } from '../services/dto/service.schema.js';
import type { CreateSite } from '../sites/dto/site.schema.js';
import { createSiteSchema } from '../sites/dto/site.schema.js';
import { DraftPreviewService } from './draft-preview.service.js';
import {
  agentRenderView,
  siteDraftRenderView,
  siteRenderView,
  unitDraftRenderView,
  unitRenderView,
} from './render.view.js';

const flavor = z.enum(['nginx', 'apache']).optional().describe('default nginx');
const sitePreviewQuery = z.strictObject({ flavor });
const draftPreviewQuery = z.strictObject({
  flavor,
  siteId: z.uuid().optional().describe('the saved site this draft edits (its hostnames are not a conflict)'),
});

/**
 * Previews of what deploy would write, from the stored desired state. Private keys are never
 * part of a preview (the state is loaded without them), so readers see configs, not secrets.
 * A state that cannot render answers 422 RENDER_FAILED with the reason and the field to fix.
 *
 * The render-preview POSTs take an unsaved draft (the body a create takes) and store nothing:
 * they need only `read`, like the GETs; the draft travels as a body because it does not fit a
 * query string.
 */
@ApiTags('render')
@Controller('api/v1')
export class PreviewsController {
  constructor(
    private readonly state: DesiredStateService,
    private readonly render: RenderService,
    private readonly drafts: DraftPreviewService,
  ) {}

  @ApiView(siteRenderView)
  @Get('sites/:id/render')
  async site(
    @Param('id', ParseUUIDPipe) id: string,
    @Query({ schema: sitePreviewQuery }) q: z.infer<typeof sitePreviewQuery>,
  ) {
    const state = await this.state.load();
    if (!state.sites.some((s) => s.id === id)) throw AppError.notFound('Site', id);
    const flavor = q.flavor ?? 'nginx';
    return { siteId: id, flavor, revision: state.revision, files: this.render.renderSite(state, id, flavor) };
  }

  @ApiView(siteDraftRenderView)
  @Post('sites/render-preview')
  @HttpCode(200)
  siteDraft(
    @Body({ schema: createSiteSchema }) dto: CreateSite,
    @Query({ schema: draftPreviewQuery }) q: z.infer<typeof draftPreviewQuery>,
  ) {
    return this.drafts.site(dto, q.flavor ?? 'nginx', q.siteId);
  }

  @ApiView(unitRenderView)
  @Get('services/:id/render')
  async service(@Param('id', ParseUUIDPipe) id: string) {
    const state = await this.state.load();
    if (!state.services.some((s) => s.id === id)) throw AppError.notFound('Service', id);
    return { serviceId: id, revision: state.revision, file: this.render.renderUnit(state, id) };
  }

  @ApiView(unitDraftRenderView)
  @Post('services/render-preview')
  @HttpCode(200)
  serviceDraft(@Body({ schema: createServiceSchema }) dto: CreateService) {
    return this.drafts.service(dto);
  }

  @ApiView(agentRenderView)
  @Get('agents/:id/render')
  async agent(@Param('id', ParseUUIDPipe) id: string) {
    const state = await this.state.load();
    if (!state.agents.some((a) => a.id === id)) throw AppError.notFound('Agent', id);
    return { revision: state.revision, ...this.render.renderAgent(state, id) };
  }
}
