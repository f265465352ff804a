import { Injectable, OnApplicationShutdown } from '@nestjs/common';
import { AppError } from '../../common/errors/app-error.js';
import type { Agent } from '../../generated/prisma/client.js';
import type { SshTransport } from '../deploy/ssh.transport.js';
import { AgentConnector } from './agent-connector.js';
import { AgentHostsRepository } from './agent-hosts.repository.js';

interface Session {
  /** The agent row the connection was made with: a changed row (key, address) reconnects. */
  updatedAt: number;
  transport: Promise<SshTransport>;
  lastUsed: number;
}

/** A session nobody used for this long is closed; health probes every 10 s keep theirs open. */
const IDLE_MS = 120_000;

/**
 * Kept-open SSH connections to agents, for work that repeats (health probes from inside the
 * agent's network, its process check). One connection per agent, opened on first use through
 * AgentConnector (so host-key pinning applies), shared by concurrent probes as separate SSH
 * channels, and dropped when it dies, when the agent row changes, or after IDLE_MS unused.
 * Deployments open their own connections: a probe never waits behind a deploy.
 */
@Injectable()
export class AgentSessions implements OnApplicationShutdown {
  private readonly sessions = new Map<string, Session>();
  private readonly sweeper: NodeJS.Timeout;

  constructor(
    private readonly repo: AgentHostsRepository,
    private readonly connector: AgentConnector,
  ) {
    this.sweeper = setInterval(() => this.closeIdle(), IDLE_MS / 4);
    this.sweeper.unref();
  }

  /** Runs `work` over the agent's session, opening it first if needed. */
  async with<T>(agentId: string, work: (ssh: SshTransport, agent: Agent) => Promise<T>): Promise<T> {
    const agent = await this.repo.find(agentId);
    if (!agent) throw AppError.notFound('Agent', agentId);
    let session = this.sessions.get(agentId);
    if (session && session.updatedAt !== agent.updatedAt.getTime()) {
      this.drop(agentId, session);
      session = undefined;
    }
    if (session && !(await session.transport.then((t) => t.alive).catch(() => false))) {
      this.drop(agentId, session);
      session = undefined;
    }
    if (!session) {
      session = {
        updatedAt: agent.updatedAt.getTime(),
        transport: this.connector.connect(agent),
        lastUsed: 0,
      };
      this.sessions.set(agentId, session);
      // A failed connect is not kept: the next probe tries again.
      session.transport.catch(() => this.drop(agentId, session!));
    }
    session.lastUsed = Date.now();
    return work(await session.transport, agent);
  }

  onApplicationShutdown(): void {
    clearInterval(this.sweeper);
    for (const [id, session] of this.sessions) this.drop(id, session);
  }

  private closeIdle(): void {
    const now = Date.now();
    for (const [id, session] of this.sessions) if (now - session.lastUsed > IDLE_MS) this.drop(id, session);
  }

  private drop(agentId: string, session: Session): void {
    if (this.sessions.get(agentId) === session) this.sessions.delete(agentId);
    session.transport.then((t) => t.close()).catch(() => undefined);
  }
}
