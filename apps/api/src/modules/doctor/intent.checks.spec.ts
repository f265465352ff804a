import { describe, expect, it } from '@jest/globals';
import { referenceFleet } from '../../../../../test/fixtures/fleet-state.factory.js';
import type { FleetState } from '../render/fleet-state.js';
import { expectedOrigins } from './cors.checks.js';
import { DOCTOR_CODES, overall } from './doctor-codes.js';
import { buildContext, type DoctorContext } from './doctor-context.js';
import {
  dockerPortChecks,
  otherDockerPort,
  proxyTimeoutChecks,
  streamingIntentChecks,
} from './intent.checks.js';

function ctx(state: FleetState, siteId: string): DoctorContext {
  const built = buildContext(state, siteId, []);
  if (!built) throw new Error(`no site ${siteId}`);
  return built;
}

function edit(change: (s: FleetState) => void): FleetState {
  const state = structuredClone(referenceFleet());
  change(state);
  return state;
}

const statuses = (checks: { status: string }[]) => checks.map((c) => c.status);

describe('doctor checks on the intended setup', () => {
  it('finds nothing wrong with the guide’s reference Open WebUI site', () => {
    const chat = ctx(referenceFleet(), 'site-chat');
    const checks = [...proxyTimeoutChecks(chat), ...dockerPortChecks(chat), ...streamingIntentChecks(chat)];
    expect(checks.map((c) => `${c.code}:${c.status}`)).toEqual([
      'PROXY_TIMEOUT:pass',
      'DOCKER_PORT:pass',
      'STREAMING:pass',
    ]);
    expect(overall(checks)).toBe('pass');
  });

  it('PROXY_TIMEOUT fails when the read timeout is below AIOHTTP_CLIENT_TIMEOUT', () => {
    const state = edit((s) => {
      s.sites[0]!.readTimeoutSec = 120;
      s.services[0]!.options.timeoutSec = 600;
    });
    const [c] = proxyTimeoutChecks(ctx(state, 'site-chat'));
    expect(c).toMatchObject({
      code: 'PROXY_TIMEOUT',
      status: 'fail',
      evidence: { readTimeoutSec: 120, AIOHTTP_CLIENT_TIMEOUT: 600 },
    });
    expect(c?.remediation).toContain('600');
  });

  it('PROXY_TIMEOUT does not apply to a site without Open WebUI', () => {
    expect(statuses(proxyTimeoutChecks(ctx(referenceFleet(), 'site-models')))).toEqual(['skip']);
  });

  it('DOCKER_PORT fails for 8080 in bridge mode (Docker publishes 3000) and passes 8080 on the host network', () => {
    const bridge = edit((s) => {
      s.upstreams[0]!.targets[0]!.port = 8080;
    });
    const [c] = dockerPortChecks(ctx(bridge, 'site-chat'));
    expect(c?.status).toBe('fail');
    expect(c?.message).toContain('Docker publishes it as 3000');
    const host = edit((s) => {
      s.upstreams[0]!.targets[0]!.port = 8080;
      s.services[0]!.options.network = 'host';
    });
    expect(statuses(dockerPortChecks(ctx(host, 'site-chat')))).toEqual(['pass']);
  });

  it('pairs Open WebUI ports as Docker does (published ↔ 8080) for the live DOCKER_PORT check', () => {
    const other = (state: FleetState, siteId: string, upstreamId: string, port: number) => {
      const c = ctx(state, siteId);
      return otherDockerPort(c, c.upstreams.get(upstreamId)!, port)?.port ?? null;
    };
    const reference = referenceFleet();
    expect(other(reference, 'site-chat', 'up-openwebui', 3000)).toBe(8080);
    expect(other(reference, 'site-chat', 'up-openwebui', 8080)).toBe(3000);
    expect(other(reference, 'site-chat', 'up-openwebui', 5000)).toBeNull();
    const published = edit((s) => {
      s.services[0]!.options.hostPort = 3001;
    });
    expect(other(published, 'site-chat', 'up-openwebui', 3001)).toBe(8080);
    expect(other(published, 'site-chat', 'up-openwebui', 8080)).toBe(3001);
    expect(other(published, 'site-chat', 'up-openwebui', 3000)).toBeNull();
    // Ollama has no such pair.
    expect(other(reference, 'site-models', 'up-ollama', 11434)).toBeNull();
  });

  it('STREAMING fails for a buffered route to an LLM, and ignores generic routes', () => {
    const state = edit((s) => {
      s.sites[0]!.routes = [
        { pathPrefix: '/', upstreamId: 'up-openwebui', streaming: false },
        { pathPrefix: '/static/', upstreamId: 'up-static', streaming: false },
      ];
      s.upstreams.push({ ...s.upstreams[0]!, id: 'up-static', name: 'static', kind: 'generic' });
    });
    const checks = streamingIntentChecks(ctx(state, 'site-chat'));
    expect(checks.map((c) => [c.subject, c.status])).toEqual([['/', 'fail']]);
    expect(checks[0]?.remediation).toBe('set streaming: true on route /');
  });

  it('expects Ollama to allow the sites that front it and the UIs that use it', () => {
    expect(expectedOrigins(ctx(referenceFleet(), 'site-models'))).toEqual([
      'https://chat.example.test',
      'https://models.example.test',
    ]);
    expect(expectedOrigins(ctx(referenceFleet(), 'site-chat'))).toEqual([]);
  });

  it('has unique, upper-snake codes', () => {
    expect(new Set(DOCTOR_CODES).size).toBe(DOCTOR_CODES.length);
    for (const code of DOCTOR_CODES) expect(code).toMatch(/^[A-Z][A-Z0-9_]+$/);
  });
});
