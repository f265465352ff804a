import type { Agent } from '../../generated/prisma/client.js';
import type { HostOverrides } from '../agents/dto/agent.schema.js';
import { type HostSettings, hostSettings } from '../deploy/host-settings.js';

/** The columns of an agent row that decide how Portico talks to its host. */
export type AgentHostFields = Pick<
  Agent,
  | 'flavor'
  | 'hostFamily'
  | 'configRoot'
  | 'validateCommand'
  | 'reloadCommand'
  | 'listenAddress'
  | 'hostOverrides'
>;

/**
 * Engine settings for one agent: the flavor/family defaults, then the agent's own columns, then
 * its hostOverrides. Verify talks to the proxy where it listens: the agent's listenAddress when
 * it binds one address, loopback otherwise.
 */
export function settingsForAgent(agent: AgentHostFields): HostSettings {
  const overrides = (agent.hostOverrides ?? {}) as HostOverrides;
  const defined = Object.fromEntries(Object.entries(overrides).filter(([, v]) => v !== undefined));
  return hostSettings(
    agent.flavor,
    {
      configRoot: agent.configRoot,
      ...(agent.validateCommand ? { validateCommand: agent.validateCommand } : {}),
      ...(agent.reloadCommand ? { reloadCommand: agent.reloadCommand } : {}),
      verifyAddress: verifyAddressOf(agent.listenAddress),
      ...defined,
    },
    agent.hostFamily,
  );
}

function verifyAddressOf(listenAddress: string | null): string {
  if (!listenAddress || listenAddress === '0.0.0.0') return '127.0.0.1';
  if (listenAddress === '::') return '::1';
  return listenAddress;
}
