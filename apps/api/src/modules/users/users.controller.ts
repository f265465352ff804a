import { Body, Controller, Delete, Get, HttpCode, Patch, Post } from '@nestjs/common';
import { ApiTags } from '@nestjs/swagger';
import { IdParam } from '../../common/http/id-param.js';
import { ApiView } from '../../common/http/view-schema.js';
import { CurrentActor, Requires } from '../auth/auth.decorators.js';
import type { Actor } from '../auth/principal.js';
import type { CreateUser, UpdateUser } from './dto/user.schema.js';
import { createUserSchema, updateUserSchema } from './dto/user.schema.js';
import { userListView, userView } from './user.view.js';
import { UsersService } from './users.service.js';

@ApiTags('users')
@Requires('admin')
@Controller('api/v1/users')
export class UsersController {
  constructor(private readonly users: UsersService) {}

  @ApiView(userListView)
  @Get()
  async list() {
    return { items: await this.users.list() };
  }

  @ApiView(userView, 201)
  @Post()
  create(@Body({ schema: createUserSchema }) dto: CreateUser, @CurrentActor() actor: Actor) {
    return this.users.create(dto, actor);
  }

  @ApiView(userView)
  @Patch(':id')
  update(
    @IdParam() id: string,
    @Body({ schema: updateUserSchema }) dto: UpdateUser,
    @CurrentActor() actor: Actor,
  ) {
    return this.users.update(id, dto, actor);
  }

  @Delete(':id')
  @HttpCode(204)
  remove(@IdParam() id: string, @CurrentActor() actor: Actor) {
    return this.users.remove(id, actor);
  }
}
