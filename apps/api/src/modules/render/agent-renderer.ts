import { AppError } from '../../common/errors/app-error.js';
import { apacheModules, apacheSiteFile, apacheTree } from './apache-tree.js';
import { FleetIndex } from './fleet-index.js';
import type {
  AgentSpec,
  FleetState,
  ProxyFlavor,
  RenderedFile,
  ServiceSpec,
  SiteSpec,
} from './fleet-state.js';
import { nginxTree, siteFile, upstreamFile, upstreamsOf } from './nginx-tree.js';
import { RenderError } from './render-error.js';
import { byPath, renderedFile } from './rendered-file.js';
import { safeWord } from './safe-word.js';
import { configRootOf, type SitePlan, sitePlan } from './site-plan.js';
import { certificateChain } from './site-tls.js';
import { TemplateRenderer } from './template-renderer.js';
import { unitPlan } from './unit-plan.js';

const PREVIEW_ROOT = '/etc/portico';

/** Two sites on one agent must not share a file name or answer for the same hostname. */
function checkConflicts(sites: SiteSpec[], agent: AgentSpec): void {
  const names = new Set<string>();
  const owners = new Map<string, string>();
  for (const site of sites) {
    if (names.has(site.name)) {
      throw new RenderError('SITE_CONFLICT', `agent ${agent.name} serves two sites named ${site.name}`, {
        agent: agent.name,
        site: site.name,
      });
    }
    names.add(site.name);
    for (const hostname of new Set(site.hostnames)) {
      const other = owners.get(hostname);
      if (other !== undefined) {
        throw new RenderError(
          'SITE_CONFLICT',
          `agent ${agent.name}: sites ${other} and ${site.name} both claim hostname ${hostname}`,
          { agent: agent.name, sites: [other, site.name], hostname },
        );
      }
      owners.set(hostname, site.name);
    }
    if (site.hostnames.length === 0) {
      throw new RenderError('SITE_CONFLICT', `site ${site.name} has no hostname`, { site: site.name });
    }
  }
}

/**
 * A proxy in front of an Open WebUI must agree with how that container is published. Only
 * containers that run somewhere count: a service placed on no agent publishes nothing, so it
 * cannot break the render of the proxies (writes already refuse such a mismatch).
 */
function checkFrontedServices(index: FleetIndex, plans: SitePlan[]): void {
  const upstreams = new Set(plans.flatMap((p) => p.routes.map((r) => r.upstream.name)));
  for (const service of index.services) {
    if (
      service.kind === 'openwebui' &&
      service.agentIds.length &&
      upstreams.has(service.options.upstream ?? '')
    )
      unitPlan(index, service);
  }
}

function certificateFiles(index: FleetIndex, plans: SitePlan[]): RenderedFile[] {
  const ids = [...new Set(plans.flatMap((p) => (p.https ? [p.https.certificateId] : [])))].sort();
  return ids.flatMap((id) => {
    const certificate = index.certificate(id);
    if (!certificate) return [];
    const dir = `certs/${safeWord(id, 'certificate id')}`;
    const chain = certificateChain(certificate);
    const files = [renderedFile(`${dir}/fullchain.pem`, 0o644, chain.fullchain)];
    if (chain.intermediates) files.push(renderedFile(`${dir}/chain.pem`, 0o644, chain.intermediates));
    if (certificate.keyPem) {
      files.push(
        renderedFile(`${dir}/privkey.pem`, 0o600, `${certificate.keyPem.replace(/\r\n/g, '\n').trim()}\n`),
      );
    }
    return files;
  });
}

function agentPlans(index: FleetIndex, agent: AgentSpec): SitePlan[] {
  const sites = index.sitesOf(agent.id);
  checkConflicts(sites, agent);
  const plans = sites.map((site) => sitePlan(index, site, agent));
  checkFrontedServices(index, plans);
  return plans;
}

function unitFile(renderer: TemplateRenderer, index: FleetIndex, service: ServiceSpec): RenderedFile {
  const unit = unitPlan(index, service);
  const path = `systemd/${safeWord(unit.name, 'service name')}.service`;
  return renderedFile(path, 0o644, renderer.render(unit.template, { unit }));
}

/**
 * Every file one agent should have, sorted by path: its flavor's proxy tree, the certificates
 * its HTTPS sites serve and a unit per service it runs. A pure function of the state.
 */
export function renderAgent(
  state: FleetState,
  agentId: string,
  renderer: TemplateRenderer = TemplateRenderer.shared(),
): RenderedFile[] {
  const index = new FleetIndex(state);
  const agent = index.agent(agentId);
  const root = configRootOf(agent);
  safeWord(root, 'config root');
  const plans = agentPlans(index, agent);
  const tree = agent.flavor === 'nginx' ? nginxTree : apacheTree;
  const units = index.servicesOf(agent.id).map((service) => unitFile(renderer, index, service));
  return [
    ...tree(renderer, plans, `${root}/live`, `${root}/acme`),
    ...certificateFiles(index, plans),
    ...units,
  ].sort(byPath);
}

/**
 * One site's files as a given flavor would write them (preview): the site file and, for nginx,
 * the upstream blocks it routes to. Paths are those of the first agent serving the site.
 */
export function renderSite(
  state: FleetState,
  siteId: string,
  flavor: ProxyFlavor,
  renderer: TemplateRenderer = TemplateRenderer.shared(),
): RenderedFile[] {
  const index = new FleetIndex(state);
  const site = index.site(siteId);
  const host = state.agents.find((a) => site.agentIds.includes(a.id));
  const agent: AgentSpec = {
    id: host?.id ?? 'preview',
    name: host?.name ?? 'preview',
    flavor,
    configRoot: host?.configRoot ?? PREVIEW_ROOT,
    proxyVersion: host?.flavor === flavor ? host.proxyVersion : null,
  };
  const plan = sitePlan(index, site, agent);
  checkFrontedServices(index, [plan]);
  if (flavor === 'apache') return [apacheSiteFile(renderer, plan)];
  return [siteFile(renderer, plan), ...upstreamsOf([plan]).map((u) => upstreamFile(renderer, u))].sort(
    byPath,
  );
}

/** One service's systemd unit as every agent running it gets it (preview). */
export function renderUnit(
  state: FleetState,
  serviceId: string,
  renderer: TemplateRenderer = TemplateRenderer.shared(),
): RenderedFile {
  const index = new FleetIndex(state);
  const service = index.services.find((s) => s.id === serviceId);
  if (!service) throw AppError.notFound('Service', serviceId);
  return unitFile(renderer, index, service);
}

/** Apache modules an agent's rendered tree needs enabled (a2enmod names, sorted). */
export function requiredApacheModules(state: FleetState, agentId: string): string[] {
  const index = new FleetIndex(state);
  return apacheModules(agentPlans(index, index.agent(agentId)));
}
