import { Body, Controller, Get, Post } from '@nestjs/common';
import { ApiTags } from '@nestjs/swagger';
import { ApiView } from '../../../common/http/view-schema.js';
import { CurrentActor, Requires } from '../../auth/auth.decorators.js';
import type { Actor } from '../../auth/principal.js';
import { type CreateDnsProvider, createDnsProviderSchema } from '../dto/dns-provider.schema.js';
import { dnsProviderListView, dnsProviderView } from './dns-provider.view.js';
import { DNS_PROVIDER_PERMISSION, DnsProviders } from './dns-providers.service.js';

@ApiTags('certificates')
@Controller('api/v1/dns-providers')
export class DnsProvidersController {
  constructor(private readonly providers: DnsProviders) {}

  @ApiView(dnsProviderListView)
  @Get()
  list() {
    return this.providers.list();
  }

  @ApiView(dnsProviderView, 201)
  @Post()
  @Requires(DNS_PROVIDER_PERMISSION)
  create(@Body({ schema: createDnsProviderSchema }) dto: CreateDnsProvider, @CurrentActor() actor: Actor) {
    return this.providers.create(dto, actor);
  }
}
