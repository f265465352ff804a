import { Injectable } from '@nestjs/common';
import { AgentConnector } from '../../agent-hosts/agent-connector.js';
import { DnsProviders } from '../dns/dns-providers.service.js';
import type { ChallengeSolver } from './challenge-solver.js';
import { Dns01Solver } from './dns01.solver.js';
import { Http01Solver } from './http01.solver.js';

/** Makes the solver an order's challenge type names (chosen by the request or the site's policy). */
@Injectable()
export class ChallengeSolvers {
  constructor(
    private readonly connector: AgentConnector,
    private readonly dns: DnsProviders,
  ) {}

  /** A fresh solver for one order attempt; `agents` are the agents serving the names. */
  for(challengeType: string, agents: ConstructorParameters<typeof Http01Solver>[0]): ChallengeSolver {
    return challengeType === 'dns-01' ? new Dns01Solver(this.dns) : new Http01Solver(agents, this.connector);
  }
}
