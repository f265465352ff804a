import { Body, Controller, Get, Post } from '@nestjs/common';
import { ApiTags } from '@nestjs/swagger';
import { CurrentActor, Requires } from '../../auth/auth.decorators.js';
import type { Actor } from '../../auth/principal.js';
import { type CreateDnsProvider, createDnsProviderSchema } from '../dto/dns-provider.schema.js';
import { DnsProviders } from './dns-providers.service.js';

@ApiTags('certificates')
@Controller('api/v1/dns-providers')
export class DnsProvidersController {
  constructor(private readonly providers: DnsProviders) {}

  @Get()
  list() {
    return this.providers.list();
  }

  @Post()
  @Requires('admin')
  create(@Body({ schema: createDnsProviderSchema }) dto: CreateDnsProvider, @CurrentActor() actor: Actor) {
    return this.providers.create(dto, actor);
  }
}
