import { Body, Controller, Get, HttpCode, Post, Query, Res } from '@nestjs/common';
import { ApiTags } from '@nestjs/swagger';
import type { Response } from 'express';
import { IdParam } from '../../common/http/id-param.js';
import { ApiView } from '../../common/http/view-schema.js';
import { CurrentActor, Requires } from '../auth/auth.decorators.js';
import type { Actor } from '../auth/principal.js';
import { deploymentPageView, deploymentView } from './deployment.view.js';
import { DeploymentsService } from './deployments.service.js';
import type { CreateDeployment, DeploymentListQuery, RollbackDeployment } from './dto/deployment.schema.js';
import {
  createDeploymentSchema,
  deploymentListQuery,
  rollbackDeploymentSchema,
} from './dto/deployment.schema.js';

@ApiTags('deployments')
@Controller('api/v1/deployments')
export class DeploymentsController {
  constructor(private readonly deployments: DeploymentsService) {}

  /** 202 with the deployment and its pending targets; 200 when `wait` covered the whole run. */
  @ApiView(deploymentView)
  @ApiView(deploymentView, 202)
  @Post()
  @Requires('deploy')
  @HttpCode(202)
  async create(
    @Body({ schema: createDeploymentSchema }) dto: CreateDeployment,
    @CurrentActor() actor: Actor,
    @Res({ passthrough: true }) res: Response,
  ) {
    const { finished, deployment } = await this.deployments.create(dto, actor);
    if (finished) res.status(200);
    return deployment;
  }

  @ApiView(deploymentPageView)
  @Get()
  list(@Query({ schema: deploymentListQuery }) q: DeploymentListQuery) {
    return this.deployments.list(q);
  }

  @ApiView(deploymentView)
  @Get(':id')
  get(@IdParam() id: string) {
    return this.deployments.get(id);
  }

  @ApiView(deploymentView)
  @ApiView(deploymentView, 202)
  @Post(':id/rollback')
  @Requires('deploy')
  @HttpCode(202)
  async rollback(
    @IdParam() id: string,
    @Body({ schema: rollbackDeploymentSchema.optional() }) dto: RollbackDeployment | undefined,
    @CurrentActor() actor: Actor,
    @Res({ passthrough: true }) res: Response,
  ) {
    const { finished, deployment } = await this.deployments.rollback(id, dto?.wait ?? 0, actor);
    if (finished) res.status(200);
    return deployment;
  }
}
