import { AppError } from '../../common/errors/app-error.js';
import type {
  AgentSpec,
  CertificateSpec,
  FleetState,
  RouteSpec,
  ServiceSpec,
  SiteSpec,
  UpstreamSpec,
} from './fleet-state.js';
import { RenderError } from './render-error.js';
import { type UpstreamPlan, upstreamPlan } from './upstream-plan.js';

const byName = <T extends { name: string }>(a: T, b: T) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0);

/**
 * Lookups over one FleetState, built once per render so rendering thousands of sites stays
 * linear. Every list it hands out is sorted by name: output order never depends on the order
 * the data layer happened to return rows in.
 */
export class FleetIndex {
  private readonly upstreamById = new Map<string, UpstreamSpec>();
  private readonly upstreamByName = new Map<string, UpstreamSpec>();
  private readonly certificateById = new Map<string, CertificateSpec>();
  private readonly sitesByUpstream = new Map<string, SiteSpec[]>();
  private readonly plans = new Map<string, UpstreamPlan>();
  readonly sites: SiteSpec[];
  readonly services: ServiceSpec[];

  constructor(readonly state: FleetState) {
    for (const u of state.upstreams) {
      this.upstreamById.set(u.id, u);
      this.upstreamByName.set(u.name, u);
    }
    for (const c of state.certificates) this.certificateById.set(c.id, c);
    this.sites = [...state.sites].sort(byName);
    this.services = [...state.services].sort(byName);
    for (const site of this.sites) {
      for (const upstreamId of new Set(site.routes.map((r) => r.upstreamId))) {
        const list = this.sitesByUpstream.get(upstreamId) ?? [];
        list.push(site);
        this.sitesByUpstream.set(upstreamId, list);
      }
    }
  }

  agent(agentId: string): AgentSpec {
    const agent = this.state.agents.find((a) => a.id === agentId);
    if (!agent) throw AppError.notFound('Agent', agentId);
    return agent;
  }

  site(siteId: string): SiteSpec {
    const site = this.state.sites.find((s) => s.id === siteId);
    if (!site) throw AppError.notFound('Site', siteId);
    return site;
  }

  sitesOf(agentId: string): SiteSpec[] {
    return this.sites.filter((s) => s.agentIds.includes(agentId));
  }

  servicesOf(agentId: string): ServiceSpec[] {
    return this.services.filter((s) => s.agentIds.includes(agentId));
  }

  routeUpstream(site: SiteSpec, route: RouteSpec): UpstreamSpec {
    const upstream = this.upstreamById.get(route.upstreamId);
    if (!upstream) {
      throw new RenderError(
        'ROUTE_UPSTREAM_MISSING',
        `site ${site.name}: route ${route.pathPrefix} points at upstream ${route.upstreamId}, which does not exist`,
        { site: site.name, pathPrefix: route.pathPrefix, upstreamId: route.upstreamId },
      );
    }
    return upstream;
  }

  /** The checked, sorted plan of a route's upstream, built once per upstream. */
  routePlan(site: SiteSpec, route: RouteSpec): UpstreamPlan {
    const upstream = this.routeUpstream(site, route);
    let plan = this.plans.get(upstream.id);
    if (!plan) {
      plan = upstreamPlan(upstream);
      this.plans.set(upstream.id, plan);
    }
    return plan;
  }

  /** The upstream a service option names, or null when the option is unset. */
  upstreamNamed(name: string | undefined, service: ServiceSpec, option: string): UpstreamSpec | null {
    if (name === undefined) return null;
    const upstream = this.upstreamByName.get(name);
    if (!upstream) {
      throw new RenderError(
        'SERVICE_INVALID',
        `service ${service.name}: options.${option} names upstream ${name}, which does not exist`,
        { service: service.name, option, upstream: name },
      );
    }
    return upstream;
  }

  /** Sites (any agent) with a route to this upstream: its public faces. */
  sitesRoutingTo(upstreamId: string): SiteSpec[] {
    return this.sitesByUpstream.get(upstreamId) ?? [];
  }

  certificate(id: string): CertificateSpec | undefined {
    return this.certificateById.get(id);
  }
}
