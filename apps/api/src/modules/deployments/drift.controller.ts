import { Controller, Get } from '@nestjs/common';
import { ApiTags } from '@nestjs/swagger';
import { IdParam } from '../../common/http/id-param.js';
import { ApiView } from '../../common/http/view-schema.js';
import { DriftService } from './drift.service.js';
import { driftView } from './drift.view.js';

@ApiTags('agents')
@Controller('api/v1/agents')
export class DriftController {
  constructor(private readonly drift: DriftService) {}

  /** The host's files vs. what Portico last deployed there: changed, missing, extra, hand-edited. */
  @ApiView(driftView)
  @Get(':id/drift')
  check(@IdParam() id: string) {
    return this.drift.check(id);
  }
}
