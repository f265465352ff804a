import { z } from 'zod';
import { desiredStateFields } from '../../common/http/view-schema.js';
import type { Agent } from '../../generated/prisma/client.js';
import { hostOverridesSchema } from './dto/agent.schema.js';

/** The API's view of an agent: whether it holds a key, never the (sealed) key itself. */
export const agentView = z
  .strictObject({
    id: z.uuid(),
    name: z.string(),
    address: z.string(),
    sshPort: z.int(),
    sshUser: z.string(),
    sshPublicKey: z.string().nullable().describe('the public half of the stored key, to authorize'),
    hasPrivateKey: z.boolean(),
    useSudo: z.boolean(),
    flavor: z.enum(['nginx', 'apache']),
    configRoot: z.string(),
    hostFamily: z.enum(['debian', 'rhel']),
    listenAddress: z.string().nullable(),
    httpPort: z.int(),
    httpsPort: z.int(),
    proxyVersion: z.string().nullable(),
    validateCommand: z.string().nullable(),
    reloadCommand: z.string().nullable(),
    hostKeyFingerprint: z.string().nullable().describe('SHA256 fingerprint pinned on first contact'),
    offeredHostKey: z.string().nullable().describe('a changed host key waiting to be accepted'),
    hostOverrides: hostOverridesSchema,
    ...desiredStateFields,
  })
  .meta({ id: 'Agent' });

export type AgentView = z.output<typeof agentView>;

/** The sealed key never leaves the agents feature. */
export function toAgentView({ sshKeyEncrypted, ...agent }: Agent): AgentView {
  return {
    ...agent,
    // JSON columns hold what the agent's write path validated.
    labels: agent.labels as AgentView['labels'],
    hostOverrides: agent.hostOverrides as AgentView['hostOverrides'],
    hasPrivateKey: sshKeyEncrypted !== null,
  };
}
