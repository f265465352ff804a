import { expect } from '@jest/globals';
import { agentDocFor } from '../fixtures/fleet-agent.js';
import type { SshHost } from '../fixtures/ssh-host.js';
import type { ApiClient } from '../support/api-client.js';
import { uniqueName } from '../support/factories.js';
import { waitForDeployment } from './fleet-app.js';

export interface RegisteredAgent {
  id: string;
  name: string;
  host: SshHost;
}

/** Registers each host as an agent through the API (admin). */
export async function registerAgents(
  api: ApiClient,
  hosts: SshHost[],
  overrides: (host: SshHost) => Record<string, unknown> = () => ({}),
): Promise<RegisteredAgent[]> {
  const agents: RegisteredAgent[] = [];
  for (const host of hosts) {
    const res = await api.post('/api/v1/agents', agentDocFor(host, overrides(host)));
    if (res.status !== 201) throw new Error(`registering ${host.address}: ${res.status} ${res.text}`);
    agents.push({ id: res.body.id, name: res.body.name, host });
  }
  return agents;
}

export interface TestSiteRefs {
  hostname: string;
  siteId: string;
  upstreamId: string;
}

/** An upstream on 127.0.0.1:port and a site routing / to it, served by the given agents. */
export async function createSite(
  api: ApiClient,
  agents: RegisteredAgent[],
  port: number,
): Promise<TestSiteRefs> {
  const name = uniqueName('site');
  const upstream = await api.post('/api/v1/upstreams', {
    name: uniqueName('up'),
    targets: [{ host: '127.0.0.1', port }],
  });
  expect(upstream.status).toBe(201);
  const hostname = `${name}.example.test`;
  const site = await api.post('/api/v1/sites', {
    name,
    hostnames: [hostname],
    routes: [{ pathPrefix: '/', upstream: upstream.body.name }],
    agents: agents.map((a) => a.name),
  });
  expect(site.status).toBe(201);
  return { hostname, siteId: site.body.id, upstreamId: upstream.body.id };
}

/** Points the site's upstream at another backend: a change every agent of the site must get. */
export async function repoint(api: ApiClient, site: TestSiteRefs, port: number): Promise<void> {
  const res = await api.patch(`/api/v1/upstreams/${site.upstreamId}`, {
    targets: [{ host: '127.0.0.1', port }],
  });
  expect(res.status).toBe(200);
}

/** POST /deployments for these agents and wait for the end through GET. */
export async function deploy(api: ApiClient, agents: RegisteredAgent[], extra: Record<string, unknown> = {}) {
  const res = await api.post('/api/v1/deployments', { agents: agents.map((a) => a.name), ...extra });
  if (res.status !== 202 && res.status !== 200)
    throw new Error(`POST deployments: ${res.status} ${res.text}`);
  return waitForDeployment(api, res.body.id);
}

/** A deployment target as GET /deployments/:id shows it. */
export interface TargetView {
  id: string;
  deploymentId: string;
  agentId: string;
  agentName: string;
  status: string;
  revision: number;
  step: string | null;
  error: string | null;
  log: string;
  startedAt: string | null;
  finishedAt: string | null;
  durationMs: number | null;
  instanceId: string | null;
  fileHashes: Record<string, string>;
}

/** The target of one agent in a deployment view. */
export function targetOf(deployment: { targets: TargetView[] }, agent: RegisteredAgent): TargetView {
  const target = deployment.targets.find((t) => t.agentId === agent.id);
  if (!target) throw new Error(`no target for ${agent.name}`);
  return target;
}

/**
 * Which test backend answers through the host's proxy for the site. A reload finishes after the
 * command returns (workers hand over), so with `expected` it polls a little until that one does.
 */
export async function servedBy(host: SshHost, hostname: string, expected?: string): Promise<string> {
  const deadline = Date.now() + (expected ? 5_000 : 0);
  for (;;) {
    const res = await host.get(hostname).catch(() => ({ status: 0, body: '' }));
    const who =
      res.status === 200 ? (JSON.parse(res.body) as { upstream: string }).upstream : `status ${res.status}`;
    if (!expected || who === expected || Date.now() > deadline) return who;
    await new Promise((r) => setTimeout(r, 100));
  }
}
