import { Body, Controller, Delete, Get, HttpCode, Patch, Post } from '@nestjs/common';
import { ApiTags } from '@nestjs/swagger';
import { IdParam } from '../../common/http/id-param.js';
import { CurrentActor, Requires } from '../auth/auth.decorators.js';
import type { Actor } from '../auth/principal.js';
import type { CreateUser, UpdateUser } from './dto/user.schema.js';
import { createUserSchema, updateUserSchema } from './dto/user.schema.js';
import { UsersService } from './users.service.js';

@ApiTags('users')
@Requires('admin')
@Controller('api/v1/users')
export class UsersController {
  constructor(private readonly users: UsersService) {}

  @Get()
  async list() {
    return { items: await this.users.list() };
  }

  @Post()
  create(@Body({ schema: createUserSchema }) dto: CreateUser, @CurrentActor() actor: Actor) {
    return this.users.create(dto, actor);
  }

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
