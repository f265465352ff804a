import { isIP } from 'node:net';
import type { FleetIndex } from './fleet-index.js';
import type { RestartPolicy, ServiceSpec, UpstreamSpec } from './fleet-state.js';
import { RenderError } from './render-error.js';
import { siteOrigins, siteUrl } from './site-origins.js';
import { urlHost } from './upstream-plan.js';

export interface UnitEnv {
  key: string;
  value: string;
}

interface UnitBase {
  name: string;
  description: string;
  user: string | null;
  group: string | null;
  restart: string;
  environment: UnitEnv[];
}

export type UnitPlan =
  | (UnitBase & { template: 'systemd/generic.service.njk'; execStart: string })
  | (UnitBase & {
      template: 'systemd/ollama.service.njk';
      execStart: string;
      /** Said in a comment at the top of the unit (e.g. Ollama on every interface). */
      warnings: string[];
    })
  | (UnitBase & {
      template: 'systemd/open-webui.service.njk';
      runtime: 'docker' | 'podman';
      network: 'bridge' | 'host';
      /** -p argument in bridge mode: [127.0.0.1:]hostPort */
      publish: string;
      /** Docker needs host.docker.internal mapped explicitly (podman has host.containers.internal). */
      addHostGateway: boolean;
      volume: string;
      image: string;
    });

const RESTART: Record<RestartPolicy, string> = {
  no: 'no',
  always: 'always',
  on_failure: 'on-failure',
  on_abnormal: 'on-abnormal',
};
const OWUI_PORT = 8080;
const isLoopback = (host: string) => /^(?:127\.\d+\.\d+\.\d+|::1|localhost)$/.test(host);

function environment(user: Record<string, string>, computed: Record<string, string | null>): UnitEnv[] {
  const merged: Record<string, string> = { ...user };
  for (const [key, value] of Object.entries(computed)) if (value !== null) merged[key] = value;
  return Object.keys(merged)
    .sort()
    .map((key) => ({ key, value: merged[key] as string }));
}

function base(service: ServiceSpec, label: string): UnitBase {
  return {
    name: service.name,
    description: service.description || `${label} (${service.name})`,
    user: service.user,
    group: null,
    restart: RESTART[service.restart],
    environment: environment(service.environment, {}),
  };
}

/** OLLAMA_ORIGINS: the sites fronting this Ollama and the sites of every Open WebUI using it. */
function ollamaOrigins(index: FleetIndex, service: ServiceSpec, upstream: UpstreamSpec | null): string[] {
  const sites = upstream ? [...index.sitesRoutingTo(upstream.id)] : [];
  for (const ui of index.services) {
    if (ui.kind !== 'openwebui' || !upstream || ui.options.ollamaUpstream !== upstream.name) continue;
    const own = index.upstreamNamed(ui.options.upstream, ui, 'upstream');
    if (own) sites.push(...index.sitesRoutingTo(own.id));
  }
  const fromEnv = (service.environment.OLLAMA_ORIGINS ?? '').split(',').map((o) => o.trim());
  const all = [...sites.flatMap(siteOrigins), ...(service.options.extraOrigins ?? []), ...fromEnv];
  return [...new Set(all.filter(Boolean))].sort();
}

/**
 * OLLAMA_HOST: the listen option, else what the topology needs. Ollama has no authentication, so
 * it binds 127.0.0.1 when every proxy and Open WebUI using it runs on its own host, and the
 * address the others connect to (its upstream's one target address) when they run elsewhere;
 * only when that cannot be told does it fall back to every interface, with a warning.
 */
export function ollamaListen(
  index: FleetIndex,
  service: ServiceSpec,
  upstream: UpstreamSpec | null,
): { listen: string; warnings: string[] } {
  const port = upstream?.targets[0]?.port ?? 11434;
  let listen = service.options.listen;
  if (!listen) {
    const clients = new Set<string>();
    if (upstream) {
      for (const site of index.sitesRoutingTo(upstream.id)) for (const id of site.agentIds) clients.add(id);
      for (const ui of index.services) {
        if (ui.kind === 'openwebui' && ui.options.ollamaUpstream === upstream.name) {
          for (const id of ui.agentIds) clients.add(id);
        }
      }
    }
    const elsewhere = [...clients].some((id) => !service.agentIds.includes(id));
    const remote = [...new Set((upstream?.targets ?? []).map((t) => t.host))].filter((h) => !isLoopback(h));
    if (!elsewhere) listen = `127.0.0.1:${port}`;
    else if (remote.length === 1 && isIP(remote[0]!)) listen = `${urlHost(remote[0]!)}:${port}`;
    else listen = `0.0.0.0:${port}`;
  }
  const everywhere = /^(?:0\.0\.0\.0|\[::\]):/.test(listen);
  return {
    listen,
    warnings: everywhere
      ? [
          `OLLAMA_HOST=${listen} serves Ollama, which has no authentication, on every interface of this host;`,
          "set the service's listen option to the address the proxy connects to (or 127.0.0.1 on the proxy's host).",
        ]
      : [],
  };
}

function ollamaUnit(index: FleetIndex, service: ServiceSpec): UnitPlan {
  const upstream = index.upstreamNamed(service.options.upstream, service, 'upstream');
  const origins = ollamaOrigins(index, service, upstream);
  const { listen, warnings } = ollamaListen(index, service, upstream);
  return {
    warnings,
    ...base(service, 'Ollama'),
    template: 'systemd/ollama.service.njk',
    // The official installer's binary path and service account.
    execStart: service.execStart ?? '/usr/local/bin/ollama serve',
    user: service.user ?? 'ollama',
    group: service.user ? null : 'ollama',
    environment: environment(service.environment, {
      OLLAMA_HOST: listen,
      OLLAMA_ORIGINS: origins.length ? origins.join(',') : null,
    }),
  };
}

function openWebuiUnit(index: FleetIndex, service: ServiceSpec): UnitPlan {
  const o = service.options;
  const runtime = o.runtime ?? 'docker';
  const network = o.network ?? 'bridge';
  const hostPort = o.hostPort ?? 3000;
  const timeoutSec = o.timeoutSec ?? 300;
  const own = index.upstreamNamed(o.upstream, service, 'upstream');
  const fronts = own ? index.sitesRoutingTo(own.id) : [];
  if (own) {
    const expected = network === 'bridge' ? hostPort : OWUI_PORT;
    const wrong = own.targets.find((t) => t.port !== expected);
    if (wrong) {
      const how =
        network === 'bridge'
          ? `runs in bridge mode and publishes ${hostPort}->${OWUI_PORT}`
          : `shares the host network and listens on ${OWUI_PORT}`;
      throw new RenderError(
        'OPENWEBUI_PORT_MISMATCH',
        `service ${service.name} ${how}, but upstream ${own.name} targets ${urlHost(wrong.host)}:${wrong.port}; point it at port ${expected}`,
        { service: service.name, upstream: own.name, expectedPort: expected, targetPort: wrong.port },
      );
    }
  }
  for (const site of fronts) {
    if (site.readTimeoutSec < timeoutSec) {
      throw new RenderError(
        'APP_TIMEOUT_EXCEEDS_PROXY',
        `service ${service.name} waits up to ${timeoutSec}s (AIOHTTP_CLIENT_TIMEOUT) but site ${site.name} cuts responses after ${site.readTimeoutSec}s; lower the service timeout or raise the site's read timeout`,
        { service: service.name, site: site.name, timeoutSec, readTimeoutSec: site.readTimeoutSec },
      );
    }
  }
  const gateway = runtime === 'docker' ? 'host.docker.internal' : 'host.containers.internal';
  const ollama = index.upstreamNamed(o.ollamaUpstream, service, 'ollamaUpstream');
  let ollamaUrl: string | null = null;
  let needsGateway = false;
  if (ollama) {
    const front = index.sitesRoutingTo(ollama.id).find((s) => s.routes.some((r) => r.pathPrefix === '/'));
    ollamaUrl = front ? siteUrl(front) : null;
    const target = ollama.targets[0];
    if (ollamaUrl === null && target) {
      // Inside a bridge-mode container, loopback is the container itself: reach the host instead.
      needsGateway = network === 'bridge' && isLoopback(target.host);
      ollamaUrl = `${target.scheme}://${needsGateway ? gateway : urlHost(target.host)}:${target.port}`;
    }
  }
  const webuiUrl = fronts.map(siteUrl).find((u) => u !== null) ?? null;
  const localOnly = own?.targets.every((t) => isLoopback(t.host)) ?? false;
  return {
    ...base(service, 'Open WebUI'),
    template: 'systemd/open-webui.service.njk',
    runtime,
    network,
    publish: localOnly ? `127.0.0.1:${hostPort}` : `${hostPort}`,
    addHostGateway: needsGateway && runtime === 'docker',
    volume: o.volume ?? 'open-webui',
    image: service.image ?? 'ghcr.io/open-webui/open-webui:main',
    environment: environment(service.environment, {
      AIOHTTP_CLIENT_TIMEOUT: String(timeoutSec),
      OLLAMA_BASE_URL: ollamaUrl,
      WEBUI_URL: webuiUrl,
    }),
  };
}

export function unitPlan(index: FleetIndex, service: ServiceSpec): UnitPlan {
  if (service.kind === 'ollama') return ollamaUnit(index, service);
  if (service.kind === 'openwebui') return openWebuiUnit(index, service);
  if (!service.execStart) {
    throw new RenderError('SERVICE_INVALID', `service ${service.name} is generic and has no execStart`, {
      service: service.name,
    });
  }
  return {
    ...base(service, 'Service'),
    template: 'systemd/generic.service.njk',
    execStart: service.execStart,
  };
}
