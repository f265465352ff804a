import { z } from 'zod';
import { createAgentSchema } from '../../agents/dto/agent.schema.js';
import { createCertificatePolicySchema } from '../../certificates/dto/certificate-policy.schema.js';
import { createServiceSchema } from '../../services/dto/service.schema.js';
import { createSiteSchema } from '../../sites/dto/site.schema.js';
import { createUpstreamSchema } from '../../upstreams/dto/upstream.schema.js';

export const FLEET_API_VERSION = 'portico/v1';

// Every object validates exactly like its create request (same zod schema, same field rules).
// Agents are the one difference: a document never carries a private key. Keys stay where they
// are (kept on update, added later through the API for a new agent).
const { privateKey: _key, generateKey: _generate, ...agentFields } = createAgentSchema.shape;
export const documentAgentSchema = z.strictObject(agentFields).meta({ id: 'FleetDocumentAgent' });

const named = <T extends z.ZodType<{ name: string }>>(item: T, kind: string) =>
  z
    .array(item)
    .max(10_000)
    .superRefine((items, ctx) => {
      const seen = new Map<string, number>();
      items.forEach((it, i) => {
        const first = seen.get(it.name);
        if (first !== undefined) {
          ctx.addIssue({
            code: 'custom',
            path: [i, 'name'],
            message: `${kind} ${it.name} is already defined at index ${first}`,
          });
        } else seen.set(it.name, i);
      });
    });

/**
 * The declarative fleet document (docs/automation.md). Each section that is present is the
 * whole truth for its kind: objects are matched by name, missing ones are deleted. A section
 * that is left out is not managed by the document and stays as it is.
 */
export const fleetDocumentSchema = z
  .strictObject({
    apiVersion: z.literal(FLEET_API_VERSION),
    kind: z.literal('Fleet').optional(),
    agents: named(documentAgentSchema, 'agent').optional(),
    upstreams: named(createUpstreamSchema, 'upstream').optional(),
    certificatePolicies: named(createCertificatePolicySchema, 'certificate policy').optional(),
    sites: named(createSiteSchema, 'site').optional(),
    services: named(createServiceSchema, 'service').optional(),
  })
  .superRefine((doc, ctx) => {
    const owner = new Map<string, string>();
    doc.sites?.forEach((site, i) => {
      site.hostnames.forEach((h, j) => {
        const other = owner.get(h);
        if (other !== undefined && other !== site.name) {
          ctx.addIssue({
            code: 'custom',
            path: ['sites', i, 'hostnames', j],
            message: `${h} is also a hostname of site ${other}`,
          });
        } else owner.set(h, site.name);
      });
    });
  })
  .meta({ id: 'FleetDocument' });

export type FleetDocument = z.infer<typeof fleetDocumentSchema>;
export type DocumentAgent = z.infer<typeof documentAgentSchema>;
