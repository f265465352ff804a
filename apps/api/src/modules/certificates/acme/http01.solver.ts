import { randomBytes } from 'node:crypto';
import type { AgentConnector } from '../../agent-hosts/agent-connector.js';
import { AgentWebroot } from '../../agent-hosts/agent-webroot.js';
import type { ChallengeSolver, ChallengeTarget, SolverStep } from './challenge-solver.js';
import { OrderFailure } from './order-failure.js';

type WebrootAgent = Parameters<typeof AgentWebroot.open>[0];

/**
 * HTTP-01: the answer is a file in every serving agent's ACME webroot, written over SSH. Before
 * the order, a probe file must come back through every agent's own port 80 for every name.
 */
export class Http01Solver implements ChallengeSolver {
  readonly type = 'http-01';
  private readonly webroots: AgentWebroot[] = [];
  private readonly written: { webroot: AgentWebroot; token: string }[] = [];

  constructor(
    private readonly agents: WebrootAgent[],
    private readonly connector: AgentConnector,
  ) {}

  async prepare(domains: string[]): Promise<SolverStep> {
    if (this.agents.length === 0) {
      throw new OrderFailure('no agent serves these names', {
        type: 'urn:portico:acme:precheck',
        detail: 'HTTP-01 needs at least one agent serving the site',
      });
    }
    for (const agent of this.agents) {
      try {
        this.webroots.push(await AgentWebroot.open(agent, this.connector));
      } catch (error) {
        throw new OrderFailure(`agent ${agent.name} is not reachable over SSH`, {
          type: 'urn:portico:acme:precheck',
          detail: (error as Error).message,
          agent: agent.name,
        });
      }
    }
    await this.precheck(domains);
    return { step: 'prechecked', detail: { agents: this.agentNames(), names: domains } };
  }

  async present(target: ChallengeTarget, token: string, keyAuthorization: string): Promise<SolverStep> {
    for (const webroot of this.webroots) {
      await webroot.put(token, keyAuthorization);
      this.written.push({ webroot, token });
    }
    return { step: 'challenge_written', detail: { name: target.name, agents: this.agentNames() } };
  }

  async cleanup(): Promise<void> {
    for (const { webroot, token } of this.written.splice(0)) {
      await webroot.remove(token).catch(() => undefined);
    }
    for (const webroot of this.webroots.splice(0)) webroot.close();
  }

  private async precheck(domains: string[]): Promise<void> {
    const token = `portico-probe-${randomBytes(12).toString('base64url')}`;
    const content = randomBytes(24).toString('base64url');
    const problems: Record<string, unknown>[] = [];
    try {
      for (const webroot of this.webroots) await webroot.put(token, content);
      for (const webroot of this.webroots) {
        for (const name of domains) {
          const answer = await webroot.fetch(name, token);
          if ('error' in answer) problems.push({ agent: webroot.agent.name, name, error: answer.error });
          else if (answer.status !== 200 || answer.body.trim() !== content) {
            problems.push({ agent: webroot.agent.name, name, status: answer.status });
          }
        }
      }
    } finally {
      for (const webroot of this.webroots) await webroot.remove(token).catch(() => undefined);
    }
    if (problems.length > 0) {
      const first = problems[0]!;
      throw new OrderFailure(
        `pre-check failed: agent ${first.agent} does not serve the challenge path for ${first.name} on port 80 (is the site deployed?)`,
        {
          type: 'urn:portico:acme:precheck',
          detail:
            'a probe file written over SSH did not come back through the agent on port 80; no order was placed',
          failures: problems,
        },
      );
    }
  }

  private agentNames(): string[] {
    return this.webroots.map((w) => w.agent.name);
  }
}
