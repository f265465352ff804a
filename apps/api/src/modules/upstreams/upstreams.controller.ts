import { Body, Controller, Delete, Get, Headers, HttpCode, Patch, Post, Query, Res } from '@nestjs/common';
import { ApiTags } from '@nestjs/swagger';
import type { Response } from 'express';
import { z } from 'zod';
import { IdParam } from '../../common/http/id-param.js';
import { labelFilter, pageSchema } from '../../common/http/page.js';
import { etagOf, expectedVersion } from '../../common/http/versioning.js';
import { ApiView, pageView } from '../../common/http/view-schema.js';
import { CurrentActor, Requires } from '../auth/auth.decorators.js';
import type { Actor } from '../auth/principal.js';
import type { CreateUpstream, UpdateUpstream } from './dto/upstream.schema.js';
import { createUpstreamSchema, updateUpstreamSchema } from './dto/upstream.schema.js';
import { upstreamView } from './upstream.view.js';
import { UPSTREAM_PERMISSION, UpstreamsService } from './upstreams.service.js';

const listQuery = pageSchema.extend({ label: labelFilter.optional(), q: z.string().max(64).optional() });

const upstreamPage = pageView(upstreamView, 'UpstreamPage');

@ApiTags('upstreams')
@Controller('api/v1/upstreams')
export class UpstreamsController {
  constructor(private readonly upstreams: UpstreamsService) {}

  @ApiView(upstreamPage)
  @Get()
  async list(@Query({ schema: listQuery }) q: z.infer<typeof listQuery>) {
    return { ...(await this.upstreams.list({ ...q, labels: q.label })), limit: q.limit, offset: q.offset };
  }

  @ApiView(upstreamView)
  @Get(':id')
  async get(@IdParam() id: string, @Res({ passthrough: true }) res: Response) {
    const upstream = await this.upstreams.get(id);
    res.setHeader('ETag', etagOf(upstream.version));
    return upstream;
  }

  @ApiView(upstreamView, 201)
  @Post()
  @Requires(UPSTREAM_PERMISSION)
  create(@Body({ schema: createUpstreamSchema }) dto: CreateUpstream, @CurrentActor() actor: Actor) {
    return this.upstreams.create(dto, actor);
  }

  @ApiView(upstreamView)
  @Patch(':id')
  @Requires(UPSTREAM_PERMISSION)
  update(
    @IdParam() id: string,
    @Body({ schema: updateUpstreamSchema }) dto: UpdateUpstream,
    @Headers('if-match') ifMatch: string | undefined,
    @CurrentActor() actor: Actor,
  ) {
    return this.upstreams.update(id, dto, expectedVersion(ifMatch, dto.version), actor);
  }

  @Delete(':id')
  @Requires(UPSTREAM_PERMISSION)
  @HttpCode(204)
  remove(
    @IdParam() id: string,
    @Headers('if-match') ifMatch: string | undefined,
    @CurrentActor() actor: Actor,
  ) {
    return this.upstreams.remove(id, expectedVersion(ifMatch, undefined), actor);
  }
}
