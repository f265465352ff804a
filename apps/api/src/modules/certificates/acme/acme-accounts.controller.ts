import { Body, Controller, Get, Post } from '@nestjs/common';
import { ApiTags } from '@nestjs/swagger';
import { ApiView } from '../../../common/http/view-schema.js';
import { CurrentActor, Requires } from '../../auth/auth.decorators.js';
import type { Actor } from '../../auth/principal.js';
import { accountListView, accountView } from '../certificate.view.js';
import { type CreateAcmeAccount, createAcmeAccountSchema } from '../dto/certificate.schema.js';
import { ACME_ACCOUNT_PERMISSION, AcmeAccountsService } from './acme-accounts.service.js';

@ApiTags('certificates')
@Controller('api/v1/acme-accounts')
export class AcmeAccountsController {
  constructor(private readonly accounts: AcmeAccountsService) {}

  @ApiView(accountListView)
  @Get()
  list() {
    return this.accounts.list();
  }

  @ApiView(accountView, 201)
  @Post()
  @Requires(ACME_ACCOUNT_PERMISSION)
  create(@Body({ schema: createAcmeAccountSchema }) dto: CreateAcmeAccount, @CurrentActor() actor: Actor) {
    return this.accounts.create(dto, actor);
  }
}
