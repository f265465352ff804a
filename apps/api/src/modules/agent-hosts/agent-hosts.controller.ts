import { Body, Controller, HttpCode, Post } from '@nestjs/common';
import { ApiTags } from '@nestjs/swagger';
import { IdParam } from '../../common/http/id-param.js';
import { ApiView } from '../../common/http/view-schema.js';
import { agentView } from '../agents/agent.view.js';
import { CurrentActor, Requires } from '../auth/auth.decorators.js';
import type { Actor } from '../auth/principal.js';
import { hostTestView, importProposalView } from './agent-host.view.js';
import { AgentHostsService } from './agent-hosts.service.js';
import type { AcceptHostKey } from './dto/accept-host-key.schema.js';
import { acceptHostKeySchema } from './dto/accept-host-key.schema.js';

@ApiTags('agents')
@Controller('api/v1/agents')
export class AgentHostsController {
  constructor(private readonly hosts: AgentHostsService) {}

  @ApiView(hostTestView)
  @Post(':id/test')
  @Requires('deploy')
  @HttpCode(200)
  test(@IdParam() id: string, @CurrentActor() actor: Actor) {
    return this.hosts.test(id, actor);
  }

  @ApiView(agentView)
  @Post(':id/accept-host-key')
  @Requires('admin')
  @HttpCode(200)
  acceptHostKey(
    @IdParam() id: string,
    @Body({ schema: acceptHostKeySchema }) dto: AcceptHostKey,
    @CurrentActor() actor: Actor,
  ) {
    return this.hosts.acceptHostKey(id, dto.fingerprint, actor);
  }

  @ApiView(importProposalView)
  @Post(':id/import')
  @Requires('write')
  @HttpCode(200)
  importConfigs(@IdParam() id: string) {
    return this.hosts.importConfigs(id);
  }
}
