import { Controller, Get, Param, ParseUUIDPipe, Query } from '@nestjs/common';
import { ApiTags } from '@nestjs/swagger';
import { z } from 'zod';
import { AppError } from '../../common/errors/app-error.js';
import { DesiredStateService } from '../desired-state/desired-state.service.js';
import { RenderService } from './render.service.js';

const sitePreviewQuery = z.strictObject({
  flavor: z.enum(['nginx', 'apache']).optional().describe('default nginx'),
});

/**
 * Previews of what deploy would write, from the stored desired state. Private keys are never
 * part of a preview (the state is loaded without them), so readers see configs, not secrets.
 * A state that cannot render answers 422 RENDER_FAILED with the reason and the field to fix.
 */
@ApiTags('render')
@Controller('api/v1')
export class RenderController {
  constructor(
    private readonly state: DesiredStateService,
    private readonly render: RenderService,
  ) {}

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

  @Get('agents/:id/render')
  async agent(@Param('id', ParseUUIDPipe) id: string) {
    const state = await this.state.load();
    if (!state.agents.some((a) => a.id === id)) throw AppError.notFound('Agent', id);
    return { revision: state.revision, ...this.render.renderAgent(state, id) };
  }
}
