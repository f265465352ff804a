import { Body, Controller, Get, Post } from '@nestjs/common';
import { ApiTags } from '@nestjs/swagger';
import { CurrentActor, Requires } from '../../auth/auth.decorators.js';
import type { Actor } from '../../auth/principal.js';
import { type CreateAcmeAccount, createAcmeAccountSchema } from '../dto/certificate.schema.js';
import { AcmeAccountsService } from './acme-accounts.service.js';

@ApiTags('certificates')
@Controller('api/v1/acme-accounts')
export class AcmeAccountsController {
  constructor(private readonly accounts: AcmeAccountsService) {}

  @Get()
  list() {
    return this.accounts.list();
  }

  @Post()
  @Requires('admin')
  create(@Body({ schema: createAcmeAccountSchema }) dto: CreateAcmeAccount, @CurrentActor() actor: Actor) {
    return this.accounts.create(dto, actor);
  }
}
