import { z } from 'zod';
import { hostOverridesSchema } from '../agents/dto/agent.schema.js';
import { HOST_CHECKS } from '../deploy/host-tester.js';

/** POST /agents/{id}/test: each check of the connection and the host, in order. */
export const hostTestView = z
  .strictObject({
    agentId: z.uuid(),
    ok: z.boolean(),
    proxyVersion: z.string().nullable(),
    hostKeyFingerprint: z.string().nullable(),
    firstContact: z.boolean(),
    checks: z.array(
      z
        .strictObject({
          name: z.enum(HOST_CHECKS),
          status: z.enum(['pass', 'fail', 'skipped']),
          detail: z.string(),
        })
        .meta({ id: 'HostCheck' }),
    ),
    proposedOverrides: z
      .strictObject({
        reasons: z.array(z.string()).describe('why, one line per setting'),
        patch: z
          .strictObject({
            reloadCommand: z.string().optional(),
            hostOverrides: hostOverridesSchema.optional(),
          })
          .describe('the body of one PATCH /agents/{id} that applies them'),
      })
      .nullable()
      .describe('settings that would work where the current ones cannot (e.g. no systemd)'),
  })
  .meta({ id: 'HostTest' });

const header = z.strictObject({ name: z.string(), value: z.string() });

/** POST /agents/{id}/import: what Portico could build from the host's hand-written configs. */
export const importProposalView = z
  .strictObject({
    agentId: z.uuid(),
    files: z.array(z.strictObject({ path: z.string(), bytes: z.int() })),
    sites: z.array(
      z.strictObject({
        name: z.string(),
        hostnames: z.array(z.string()),
        listen: z.array(z.string()),
        tls: z.boolean(),
        httpsRedirect: z.boolean(),
        hsts: z.boolean(),
        websocket: z.boolean(),
        readTimeoutSec: z.int().nullable(),
        maxBodyMb: z.int().nullable(),
        responseHeaders: z.array(header),
        upstreamHeaders: z.array(header),
        routes: z.array(
          z.strictObject({ pathPrefix: z.string(), upstream: z.string(), streaming: z.boolean() }),
        ),
        source: z.string(),
      }),
    ),
    upstreams: z.array(
      z.strictObject({
        name: z.string(),
        targets: z.array(
          z.strictObject({
            scheme: z.enum(['http', 'https']),
            host: z.string(),
            port: z.int(),
            weight: z.int(),
          }),
        ),
        policy: z.enum(['round_robin', 'least_conn', 'ip_hash']),
        source: z.string(),
      }),
    ),
    unmapped: z.array(
      z.strictObject({ source: z.string(), line: z.int(), directive: z.string(), reason: z.string() }),
    ),
  })
  .meta({ id: 'ImportProposal' });
