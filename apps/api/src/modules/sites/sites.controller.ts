import { Body, Controller, Delete, Get, Headers, HttpCode, Patch, Post, Query, Res } from '@nestjs/common';
import { ApiTags } from '@nestjs/swagger';
import type { Response } from 'express';
import { z } from 'zod';
import { IdParam } from '../../common/http/id-param.js';
import { labelFilter, pageSchema } from '../../common/http/page.js';
import { etagOf, expectedVersion } from '../../common/http/versioning.js';
import { ApiView, pageView } from '../../common/http/view-schema.js';
import { hostname } from '../../common/validation/fields.js';
import { CurrentActor, Requires } from '../auth/auth.decorators.js';
import type { Actor } from '../auth/principal.js';
import type { CreateSite, UpdateSite } from './dto/site.schema.js';
import { createSiteSchema, updateSiteSchema } from './dto/site.schema.js';
import { siteView } from './site.view.js';
import { SITE_PERMISSION, SitesService } from './sites.service.js';

const listQuery = pageSchema.extend({
  label: labelFilter.optional(),
  hostname: hostname.optional(),
  q: z.string().max(64).optional().describe('part of the name'),
});

const sitePage = pageView(siteView, 'SitePage');

@ApiTags('sites')
@Controller('api/v1/sites')
export class SitesController {
  constructor(private readonly sites: SitesService) {}

  @ApiView(sitePage)
  @Get()
  async list(@Query({ schema: listQuery }) q: z.infer<typeof listQuery>) {
    return { ...(await this.sites.list({ ...q, labels: q.label })), limit: q.limit, offset: q.offset };
  }

  @ApiView(siteView)
  @Get(':id')
  async get(@IdParam() id: string, @Res({ passthrough: true }) res: Response) {
    const site = await this.sites.get(id);
    res.setHeader('ETag', etagOf(site.version));
    return site;
  }

  @ApiView(siteView, 201)
  @Post()
  @Requires(SITE_PERMISSION)
  create(@Body({ schema: createSiteSchema }) dto: CreateSite, @CurrentActor() actor: Actor) {
    return this.sites.create(dto, actor);
  }

  @ApiView(siteView)
  @Patch(':id')
  @Requires(SITE_PERMISSION)
  update(
    @IdParam() id: string,
    @Body({ schema: updateSiteSchema }) dto: UpdateSite,
    @Headers('if-match') ifMatch: string | undefined,
    @CurrentActor() actor: Actor,
  ) {
    return this.sites.update(id, dto, expectedVersion(ifMatch, dto.version), actor);
  }

  @Delete(':id')
  @Requires(SITE_PERMISSION)
  @HttpCode(204)
  remove(
    @IdParam() id: string,
    @Headers('if-match') ifMatch: string | undefined,
    @CurrentActor() actor: Actor,
  ) {
    return this.sites.remove(id, expectedVersion(ifMatch, undefined), actor);
  }
}
