import { Body, Controller, Delete, Get, HttpCode, Post } from '@nestjs/common';
import { ApiTags } from '@nestjs/swagger';
import { IdParam } from '../../common/http/id-param.js';
import { ApiView } from '../../common/http/view-schema.js';
import { CurrentActor, Requires } from '../auth/auth.decorators.js';
import type { Actor } from '../auth/principal.js';
import type { CreateToken } from './dto/token.schema.js';
import { createTokenSchema } from './dto/token.schema.js';
import { createdTokenView, tokenListView } from './token.view.js';
import { TokensService } from './tokens.service.js';

@ApiTags('tokens')
@Requires('admin')
@Controller('api/v1/tokens')
export class TokensController {
  constructor(private readonly tokens: TokensService) {}

  @ApiView(tokenListView)
  @Get()
  async list() {
    return { items: await this.tokens.list() };
  }

  @ApiView(createdTokenView, 201)
  @Post()
  create(@Body({ schema: createTokenSchema }) dto: CreateToken, @CurrentActor() actor: Actor) {
    return this.tokens.create(dto, actor);
  }

  @Delete(':id')
  @HttpCode(204)
  revoke(@IdParam() id: string, @CurrentActor() actor: Actor) {
    return this.tokens.revoke(id, actor);
  }
}
