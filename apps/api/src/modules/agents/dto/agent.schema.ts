import { z } from 'zod';
import {
  absolutePath,
  ipAddress,
  labels,
  port,
  resourceName,
  shellCommand,
  targetHost,
  unixUser,
} from '../../../common/validation/fields.js';

const agentShape = {
  name: resourceName,
  address: targetHost.describe('hostname or IP Portico connects to over SSH'),
  sshPort: port.optional().describe('default 22'),
  sshUser: unixUser.optional().describe('default root'),
  privateKey: z
    .string()
    .max(16_384)
    .optional()
    .describe('OpenSSH or PEM private key; stored encrypted, never returned'),
  generateKey: z
    .boolean()
    .optional()
    .describe('let Portico generate an ed25519 key pair and return the public key to authorize'),
  useSudo: z.boolean().optional().describe('run host commands through sudo -n; default false'),
  flavor: z.enum(['nginx', 'apache']).optional().describe('default nginx'),
  configRoot: absolutePath.optional().describe('directory Portico owns on the host; default /etc/portico'),
  validateCommand: shellCommand.nullable().optional().describe('override; default by flavor'),
  reloadCommand: shellCommand.nullable().optional().describe('override; default by flavor'),
  hostFamily: z.enum(['debian', 'rhel']).optional().describe('default paths and commands; default debian'),
  listenAddress: ipAddress.nullable().optional().describe('one IP the proxy listens on; default every address'),
  httpPort: port.optional().describe('port the proxy serves HTTP on; default 80'),
  httpsPort: port.optional().describe('port the proxy serves HTTPS on; default 443'),
  labels: labels.optional(),
};

const oneKeySource = (a: { privateKey?: string; generateKey?: boolean }, ctx: z.RefinementCtx) => {
  if (a.privateKey !== undefined && a.generateKey) {
    ctx.addIssue({ code: 'custom', path: ['generateKey'], message: 'cannot be combined with privateKey' });
  }
};

export const createAgentSchema = z
  .strictObject(agentShape)
  .superRefine(oneKeySource)
  .meta({ id: 'CreateAgent' });
export const updateAgentSchema = z
  .strictObject({ ...agentShape, version: z.int().min(1).optional() })
  .partial()
  .superRefine(oneKeySource)
  .meta({ id: 'UpdateAgent' });

export type CreateAgent = z.infer<typeof createAgentSchema>;
export type UpdateAgent = z.infer<typeof updateAgentSchema>;

export const AGENT_DEFAULTS = {
  sshPort: 22,
  sshUser: 'root',
  useSudo: false,
  flavor: 'nginx',
  configRoot: '/etc/portico',
  validateCommand: null,
  reloadCommand: null,
  hostFamily: 'debian',
  listenAddress: null,
  httpPort: 80,
  httpsPort: 443,
  labels: {},
} as const;
