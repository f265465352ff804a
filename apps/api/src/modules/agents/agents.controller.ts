import { Body, Controller, Delete, Get, Headers, HttpCode, Patch, Post, Query, Res } from '@nestjs/common';
import { ApiTags } from '@nestjs/swagger';
import type { Response } from 'express';
import { z } from 'zod';
import { IdParam } from '../../common/http/id-param.js';
import { labelFilter, pageSchema } from '../../common/http/page.js';
import { etagOf, expectedVersion } from '../../common/http/versioning.js';
import { ApiView, pageView } from '../../common/http/view-schema.js';
import { CurrentActor, Requires } from '../auth/auth.decorators.js';
import type { Actor } from '../auth/principal.js';
import { agentView } from './agent.view.js';
import { AGENT_PERMISSION, AgentsService } from './agents.service.js';
import type { CreateAgent, UpdateAgent } from './dto/agent.schema.js';
import { createAgentSchema, updateAgentSchema } from './dto/agent.schema.js';

const listQuery = pageSchema.extend({ label: labelFilter.optional(), q: z.string().max(64).optional() });

const agentPage = pageView(agentView, 'AgentPage');

@ApiTags('agents')
@Controller('api/v1/agents')
export class AgentsController {
  constructor(private readonly agents: AgentsService) {}

  @ApiView(agentPage)
  @Get()
  async list(@Query({ schema: listQuery }) q: z.infer<typeof listQuery>) {
    return { ...(await this.agents.list({ ...q, labels: q.label })), limit: q.limit, offset: q.offset };
  }

  @ApiView(agentView)
  @Get(':id')
  async get(@IdParam() id: string, @Res({ passthrough: true }) res: Response) {
    const agent = await this.agents.get(id);
    res.setHeader('ETag', etagOf(agent.version));
    return agent;
  }

  @ApiView(agentView, 201)
  @Post()
  @Requires(AGENT_PERMISSION)
  create(@Body({ schema: createAgentSchema }) dto: CreateAgent, @CurrentActor() actor: Actor) {
    return this.agents.create(dto, actor);
  }

  @ApiView(agentView)
  @Patch(':id')
  @Requires(AGENT_PERMISSION)
  update(
    @IdParam() id: string,
    @Body({ schema: updateAgentSchema }) dto: UpdateAgent,
    @Headers('if-match') ifMatch: string | undefined,
    @CurrentActor() actor: Actor,
  ) {
    return this.agents.update(id, dto, expectedVersion(ifMatch, dto.version), actor);
  }

  @Delete(':id')
  @Requires(AGENT_PERMISSION)
  @HttpCode(204)
  remove(
    @IdParam() id: string,
    @Headers('if-match') ifMatch: string | undefined,
    @CurrentActor() actor: Actor,
  ) {
    return this.agents.remove(id, expectedVersion(ifMatch, undefined), actor);
  }
}
