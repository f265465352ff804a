import { Controller, Get, Global, Module } from '@nestjs/common';
import { ApiTags } from '@nestjs/swagger';
import { ApiView } from '../../common/http/view-schema.js';
import { RevisionService } from './revision.service.js';
import { revisionView } from './revision.view.js';

@ApiTags('revision')
@Controller('api/v1/revision')
class RevisionController {
  constructor(private readonly revisions: RevisionService) {}

  @ApiView(revisionView)
  @Get()
  async get() {
    return { revision: await this.revisions.current() };
  }
}

@Global()
@Module({ controllers: [RevisionController], providers: [RevisionService], exports: [RevisionService] })
export class RevisionsModule {}
