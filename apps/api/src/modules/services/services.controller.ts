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
import type { CreateService, UpdateService } from './dto/service.schema.js';
import { createServiceSchema, updateServiceSchema } from './dto/service.schema.js';
import { serviceView } from './service.view.js';
import { SERVICE_PERMISSION, ServicesService } from './services.service.js';

const listQuery = pageSchema.extend({ label: labelFilter.optional(), q: z.string().max(64).optional() });

const servicePage = pageView(serviceView, 'ServicePage');

@ApiTags('services')
@Controller('api/v1/services')
export class ServicesController {
  constructor(private readonly services: ServicesService) {}

  @ApiView(servicePage)
  @Get()
  async list(@Query({ schema: listQuery }) q: z.infer<typeof listQuery>) {
    return { ...(await this.services.list({ ...q, labels: q.label })), limit: q.limit, offset: q.offset };
  }

  @ApiView(serviceView)
  @Get(':id')
  async get(@IdParam() id: string, @Res({ passthrough: true }) res: Response) {
    const service = await this.services.get(id);
    res.setHeader('ETag', etagOf(service.version));
    return service;
  }

  @ApiView(serviceView, 201)
  @Post()
  @Requires(SERVICE_PERMISSION)
  create(@Body({ schema: createServiceSchema }) dto: CreateService, @CurrentActor() actor: Actor) {
    return this.services.create(dto, actor);
  }

  @ApiView(serviceView)
  @Patch(':id')
  @Requires(SERVICE_PERMISSION)
  update(
    @IdParam() id: string,
    @Body({ schema: updateServiceSchema }) dto: UpdateService,
    @Headers('if-match') ifMatch: string | undefined,
    @CurrentActor() actor: Actor,
  ) {
    return this.services.update(id, dto, expectedVersion(ifMatch, dto.version), actor);
  }

  @Delete(':id')
  @Requires(SERVICE_PERMISSION)
  @HttpCode(204)
  remove(
    @IdParam() id: string,
    @Headers('if-match') ifMatch: string | undefined,
    @CurrentActor() actor: Actor,
  ) {
    return this.services.remove(id, expectedVersion(ifMatch, undefined), actor);
  }
}
