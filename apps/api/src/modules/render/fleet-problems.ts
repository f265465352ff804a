import { FleetIndex } from './fleet-index.js';
import type { AgentSpec, FleetState } from './fleet-state.js';
import { RenderError } from './render-error.js';
import { sitePlan } from './site-plan.js';
import { unitPlan } from './unit-plan.js';
import { upstreamPlan } from './upstream-plan.js';

export type ProblemKind = 'upstream' | 'site' | 'service';

/** A rule of the rendered configuration that the state breaks, and the objects it involves. */
export interface FleetProblem {
  error: RenderError;
  /** Names per kind, both the object that failed to plan and the ones its reason names. */
  involves: Record<ProblemKind, string[]>;
}

// Sites are planned as an nginx host would serve them: the rules checked here (timeouts, ports,
// references, TLS material) do not depend on the flavor.
const PLANNING_AGENT: AgentSpec = { id: 'invariants', name: 'invariants', flavor: 'nginx', configRoot: '/' };

/**
 * Every cross-object rule of the renderer, evaluated over a whole state without rendering a
 * file: upstreams and sites in `scope` are planned, every service's unit is planned (there are
 * few, and their rules reach across upstreams and sites). Pure: the same state gives the same
 * problems, so a write can be refused before it commits instead of failing a later deploy.
 */
export function fleetProblems(
  state: FleetState,
  scope: { upstreams: ReadonlySet<string>; sites: ReadonlySet<string> },
): FleetProblem[] {
  const index = new FleetIndex(state);
  const problems: FleetProblem[] = [];
  const attempt = (own: ProblemKind, name: string, plan: () => unknown) => {
    try {
      plan();
    } catch (error) {
      if (!(error instanceof RenderError)) throw error;
      problems.push({ error, involves: involved(error, own, name) });
    }
  };
  for (const upstream of state.upstreams) {
    if (scope.upstreams.has(upstream.name)) attempt('upstream', upstream.name, () => upstreamPlan(upstream));
  }
  const touchedUpstreamIds = new Set(
    state.upstreams.filter((u) => scope.upstreams.has(u.name)).map((u) => u.id),
  );
  for (const site of index.sites) {
    const routesTouched = site.routes.some((r) => touchedUpstreamIds.has(r.upstreamId));
    if (scope.sites.has(site.name) || routesTouched)
      attempt('site', site.name, () => sitePlan(index, site, PLANNING_AGENT));
  }
  for (const service of index.services) attempt('service', service.name, () => unitPlan(index, service));
  return problems;
}

function involved(error: RenderError, own: ProblemKind, name: string): Record<ProblemKind, string[]> {
  const details = (error.details ?? {}) as Record<string, unknown>;
  const names = (value: unknown): string[] =>
    typeof value === 'string'
      ? [value]
      : Array.isArray(value)
        ? value.filter((v) => typeof v === 'string')
        : [];
  const involves = {
    upstream: names(details.upstream),
    site: [...names(details.site), ...names(details.sites)],
    service: names(details.service),
  };
  involves[own].push(name);
  return {
    upstream: [...new Set(involves.upstream)],
    site: [...new Set(involves.site)],
    service: [...new Set(involves.service)],
  };
}
