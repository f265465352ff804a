import { z } from 'zod';
import {
  containerImage,
  envKey,
  envValue,
  execStart,
  hostname,
  labels,
  port,
  resourceName,
  timeoutSec,
  unixUser,
} from '../../../common/validation/fields.js';

const origin = z
  .string()
  .regex(/^https?:\/\/[^/:]+(?::\d{1,5})?$/, 'must be an origin like https://chat.example.com')
  .refine((o) => hostname.safeParse(o.replace(/^https?:\/\//, '').replace(/:\d+$/, '')).success, {
    message: 'must name a valid hostname',
  });

/** Kind-specific settings; see docs/rendering.md for what each preset does with them. */
export const serviceOptionsSchema = z.strictObject({
  listen: z
    .string()
    .regex(/^(?:\d{1,3}(?:\.\d{1,3}){3}|\[[0-9a-f:]+\]|[a-z0-9.-]+):\d{1,5}$/, 'must be host:port')
    .optional()
    .describe(
      'ollama: OLLAMA_HOST; default 127.0.0.1:<port> when every proxy and Open WebUI using it runs on its host, else the address its upstream targets; 0.0.0.0 is rendered with a warning',
    ),
  upstream: resourceName.optional().describe('the upstream that represents this service'),
  ollamaUpstream: resourceName.optional().describe('openwebui: the upstream of the Ollama it talks to'),
  extraOrigins: z.array(origin).max(32).optional().describe('ollama: origins always allowed'),
  runtime: z.enum(['docker', 'podman']).optional().describe('openwebui: container runtime, default docker'),
  network: z
    .enum(['bridge', 'host'])
    .optional()
    .describe('openwebui: default bridge (publishes hostPort:8080)'),
  hostPort: port.optional().describe('openwebui: published port in bridge mode, default 3000'),
  timeoutSec: timeoutSec.optional().describe('openwebui: AIOHTTP_CLIENT_TIMEOUT, default 300'),
  volume: z
    .string()
    .regex(/^[A-Za-z0-9][A-Za-z0-9_.-]{0,63}$/, 'must be a volume name')
    .optional()
    .describe('openwebui: named volume for /app/backend/data, default open-webui'),
});

const description = z
  .string()
  .max(256)
  .regex(/^[^\x00-\x1f\x7f%\\]*$/, 'must be one line without %, \\ or control characters');

const serviceShape = {
  name: resourceName.describe('systemd unit name without .service'),
  kind: z.enum(['generic', 'ollama', 'openwebui']).optional().describe('default generic'),
  description: description.optional(),
  execStart: execStart.nullable().optional().describe('required for generic services'),
  image: containerImage
    .nullable()
    .optional()
    .describe('openwebui: default ghcr.io/open-webui/open-webui:main'),
  environment: z
    .record(envKey, envValue)
    .refine((e) => Object.keys(e).length <= 128, 'at most 128 variables')
    .optional(),
  user: unixUser.nullable().optional(),
  restart: z.enum(['no', 'always', 'on_failure', 'on_abnormal']).optional().describe('default always'),
  options: serviceOptionsSchema.optional(),
  agents: z
    .array(resourceName)
    .max(1000)
    .refine((a) => new Set(a).size === a.length, 'agents must be unique')
    .optional()
    .describe('names of the agents that run this unit'),
  labels: labels.optional(),
};

type ServiceInput = { kind?: string; execStart?: string | null };
const genericNeedsExec = (s: ServiceInput, ctx: z.RefinementCtx) => {
  if ((s.kind ?? 'generic') === 'generic' && s.execStart == null) {
    ctx.addIssue({ code: 'custom', path: ['execStart'], message: 'is required for a generic service' });
  }
};

export const createServiceSchema = z
  .strictObject(serviceShape)
  .superRefine(genericNeedsExec)
  .meta({ id: 'CreateService' });
export const updateServiceSchema = z
  .strictObject({ ...serviceShape, version: z.int().min(1).optional() })
  .partial()
  .meta({ id: 'UpdateService' });

export type CreateService = z.infer<typeof createServiceSchema>;
export type UpdateService = z.infer<typeof updateServiceSchema>;

export const SERVICE_DEFAULTS = {
  kind: 'generic',
  description: '',
  execStart: null,
  image: null,
  environment: {},
  user: null,
  restart: 'always',
  options: {},
  agents: [] as string[],
  labels: {},
} as const;
