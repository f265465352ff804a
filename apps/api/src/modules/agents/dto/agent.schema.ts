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

/** Host paths and commands on top of the flavor and family defaults (docs/deploy.md, host settings). */
export const hostOverridesSchema = z
  .strictObject({
    hookPath: absolutePath
      .optional()
      .describe("the one file in the host's config that includes Portico's tree"),
    importDirs: z.array(absolutePath).max(16).optional().describe('where hand-written site configs live'),
    versionCommand: shellCommand.optional().describe('prints the proxy version (nginx -v, apache2 -v)'),
    statusCommand: shellCommand
      .optional()
      .describe('exits 0 while the proxy runs; default systemctl is-active -q nginx|apache2|httpd'),
    modulesCommand: shellCommand.nullable().optional().describe('lists loaded Apache modules'),
    units: z
      .strictObject({
        unitDir: absolutePath,
        daemonReload: shellCommand,
        restart: shellCommand,
        stop: shellCommand,
        isActive: shellCommand,
      })
      .nullable()
      .optional()
      .describe('systemd commands ({unit} is the unit file name); null on hosts without systemd'),
    unitVerifyCommand: shellCommand.nullable().optional().describe('default systemd-analyze verify'),
    verifyAddress: ipAddress.optional().describe('where the proxy listens, seen from the host'),
    settleMs: z.int().min(0).max(60_000).optional(),
    verifyTimeoutMs: z.int().min(0).max(300_000).optional(),
    keepRevisions: z.int().min(1).max(100).optional(),
  })
  .meta({ id: 'HostOverrides' });

export type HostOverrides = z.infer<typeof hostOverridesSchema>;

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
  listenAddress: ipAddress
    .nullable()
    .optional()
    .describe('one IP the proxy listens on; default every address'),
  httpPort: port.optional().describe('port the proxy serves HTTP on; default 80'),
  httpsPort: port.optional().describe('port the proxy serves HTTPS on; default 443'),
  labels: labels.optional(),
  hostOverrides: hostOverridesSchema.optional(),
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
  hostOverrides: {},
} as const;
