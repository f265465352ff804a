import { Injectable, Logger } from '@nestjs/common';
import { AppError } from '../../common/errors/app-error.js';
import { SecretBox } from '../../common/secrets/secret-box.js';
import { AppConfig } from '../../config/app-config.js';
import type { Agent } from '../../generated/prisma/client.js';
import { DeployError } from '../deploy/deploy.error.js';
import type { HostSettings } from '../deploy/host-settings.js';
import { type SshTarget, SshTransport } from '../deploy/ssh.transport.js';
import { settingsForAgent } from './agent-host-settings.js';
import { AgentHostsRepository } from './agent-hosts.repository.js';

/**
 * The one way into an agent's host. It opens the sealed private key only for the connection
 * (never logged, never returned), pins the host key on first contact and records a changed one
 * as offeredHostKey: from then on every operation on the agent fails with HOST_KEY_CHANGED,
 * without even connecting, until an admin accepts the new key.
 */
@Injectable()
export class AgentConnector {
  private readonly logger = new Logger('AgentConnector');

  constructor(
    private readonly repo: AgentHostsRepository,
    private readonly secrets: SecretBox,
    private readonly config: AppConfig,
  ) {}

  settings(agent: Agent): HostSettings {
    return settingsForAgent(agent);
  }

  /** Connection settings with the decrypted key; keep the result no longer than the connection. */
  target(agent: Agent): SshTarget {
    if (!agent.sshKeyEncrypted) {
      throw new AppError(
        'AGENT_KEY_MISSING',
        `Agent ${agent.name} has no SSH private key; set privateKey or generateKey first`,
      );
    }
    return {
      host: agent.address,
      port: agent.sshPort,
      username: agent.sshUser,
      privateKey: this.secrets.open(agent.sshKeyEncrypted),
      hostKeyFingerprint: agent.hostKeyFingerprint,
      useSudo: agent.useSudo,
      connectTimeoutMs: this.config.deploy.connectTimeoutMs,
      commandTimeoutMs: this.config.deploy.commandTimeoutMs,
    };
  }

  async connect(agent: Agent): Promise<SshTransport> {
    if (agent.offeredHostKey) throw hostKeyChanged(agent, agent.offeredHostKey);
    let transport: SshTransport;
    try {
      transport = await SshTransport.connect(this.target(agent));
    } catch (error) {
      if (error instanceof DeployError && error.code === 'HOST_KEY_CHANGED') {
        const actual = error.details?.actual;
        if (typeof actual === 'string') await this.recordOffered(agent, actual);
      }
      throw error;
    }
    if (transport.firstContact) {
      try {
        await this.pin(agent, transport.hostKeyFingerprint);
      } catch (error) {
        transport.close();
        throw error;
      }
    }
    return transport;
  }

  /**
   * Pins the key a first contact presented. Two first contacts at once: the first one wins and
   * the other must have seen the same key, or it is a changed key like any other.
   */
  async pin(agent: Pick<Agent, 'id' | 'name'>, fingerprint: string): Promise<void> {
    if (await this.repo.pinFirst(agent.id, fingerprint)) {
      this.logger.log({ agentId: agent.id, fingerprint }, 'pinned host key on first contact');
      return;
    }
    const now = await this.repo.find(agent.id);
    if (now && now.hostKeyFingerprint !== fingerprint) {
      await this.recordOffered(now, fingerprint);
      throw hostKeyChanged(now, fingerprint);
    }
  }

  async recordOffered(agent: Pick<Agent, 'id' | 'name'>, fingerprint: string): Promise<void> {
    await this.repo.offer(agent.id, fingerprint);
    this.logger.warn({ agentId: agent.id, offered: fingerprint }, 'host presented a different host key');
  }
}

function hostKeyChanged(agent: Pick<Agent, 'name' | 'hostKeyFingerprint'>, offered: string): DeployError {
  return new DeployError(
    'HOST_KEY_CHANGED',
    `Agent ${agent.name} presented host key ${offered}, but ${agent.hostKeyFingerprint} is pinned; ` +
      'an admin must accept the new key (POST /api/v1/agents/:id/accept-host-key)',
    { expected: agent.hostKeyFingerprint, actual: offered },
  );
}
