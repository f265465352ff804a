import { Body, Controller, HttpCode, Post } from '@nestjs/common';
import { ApiTags } from '@nestjs/swagger';
import { IdParam } from '../../common/http/id-param.js';
import { ApiView } from '../../common/http/view-schema.js';
import { CurrentActor, Requires } from '../auth/auth.decorators.js';
import type { Actor } from '../auth/principal.js';
import { DoctorService } from './doctor.service.js';
import { doctorReportView } from './doctor.view.js';
import { type RunDoctor, runDoctorSchema } from './dto/doctor.schema.js';

@ApiTags('sites')
@Controller('api/v1/sites')
export class DoctorController {
  constructor(private readonly doctor: DoctorService) {}

  /** Runs every check for the site from Portico and from its agents; each pass/warn/fail/skip with a code. */
  @ApiView(doctorReportView)
  @Post(':id/doctor')
  @Requires('deploy')
  @HttpCode(200)
  run(
    @IdParam() id: string,
    @Body({ schema: runDoctorSchema.optional() }) dto: RunDoctor | undefined,
    @CurrentActor() actor: Actor,
  ) {
    return this.doctor.run(id, dto ?? {}, actor);
  }
}
