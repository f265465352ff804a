import type { FieldError } from '../../common/errors/app-error.js';
import { policyProblem } from './policy-problem.js';

/** How names are looked up: locked rows in a save's transaction, or the state a preview renders. */
export interface SiteLookups {
  upstreams(names: string[]): Promise<Map<string, string>>;
  agents(names: string[]): Promise<Map<string, string>>;
  policy(name: string): Promise<{ id: string; name: string; challenge: string } | null>;
  certificateExists(id: string): Promise<boolean>;
}

/** What a site's fields name, as they will be stored (given or kept). */
export interface SiteReferencesInput {
  hostnames: string[];
  tlsMode: string;
  certificateId: string | null | undefined;
  routes?: { pathPrefix: string; upstream: string; streaming?: boolean }[];
  agents?: string[];
  /** A name, null to clear it, or undefined to keep `keptPolicyId`. */
  certificatePolicy?: string | null;
  keptPolicyId?: string | null;
}

export interface ResolvedSiteReferences {
  routes?: { pathPrefix: string; upstreamId: string; streaming: boolean }[];
  agentIds?: string[];
  /** Resolved policy: an id, null to clear it, undefined when the input kept it. */
  certificatePolicyId?: string | null;
  /** Every reference that does not resolve or does not fit, all at once, by field. */
  errors: FieldError[];
}

/**
 * The one resolver of a site's references (upstreams by name, agents, certificate, certificate
 * policy and what it can prove), shared by saves (REST and fleet documents, through the site's
 * write operation) and by previews of unsaved drafts, so both refuse the same input with the
 * same message under the same field.
 */
export async function resolveSiteReferences(
  input: SiteReferencesInput,
  lookups: SiteLookups,
  keptPolicy?: () => Promise<{ name: string; challenge: string } | null>,
): Promise<ResolvedSiteReferences> {
  const errors: FieldError[] = [];
  const out: ResolvedSiteReferences = { errors };
  if (input.routes) {
    const found = await lookups.upstreams([...new Set(input.routes.map((r) => r.upstream))]);
    out.routes = input.routes.map((r, i) => {
      const upstreamId = found.get(r.upstream);
      if (!upstreamId)
        errors.push({ field: `routes.${i}.upstream`, message: `no upstream named ${r.upstream}` });
      return { pathPrefix: r.pathPrefix, upstreamId: upstreamId ?? '', streaming: r.streaming ?? false };
    });
  }
  if (input.agents) {
    const found = await lookups.agents(input.agents);
    out.agentIds = input.agents.map((name, i) => {
      const agentId = found.get(name);
      if (!agentId) errors.push({ field: `agents.${i}`, message: `no agent named ${name}` });
      return agentId ?? '';
    });
  }
  if (input.tlsMode === 'uploaded' && !input.certificateId) {
    errors.push({ field: 'certificateId', message: 'is required when tlsMode is uploaded' });
  }
  if (input.certificateId && !(await lookups.certificateExists(input.certificateId))) {
    errors.push({ field: 'certificateId', message: `no certificate ${input.certificateId}` });
  }
  let policy: { name: string; challenge: string } | null = null;
  if (input.certificatePolicy === null) out.certificatePolicyId = null;
  else if (input.certificatePolicy !== undefined) {
    const found = await lookups.policy(input.certificatePolicy);
    out.certificatePolicyId = found?.id ?? null;
    policy = found;
    if (!found) {
      errors.push({
        field: 'certificatePolicy',
        message: `no certificate policy named ${input.certificatePolicy}`,
      });
    }
  } else if (keptPolicy) {
    policy = await keptPolicy();
  }
  const problem = policyProblem(input.tlsMode, input.hostnames, policy);
  if (problem) errors.push({ field: 'certificatePolicy', message: problem });
  return out;
}
