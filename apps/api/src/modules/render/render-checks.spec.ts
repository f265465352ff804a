import { describe, expect, test } from '@jest/globals';
import {
  agentSpec,
  certificateSpec,
  fleetState,
  referenceFleet,
  serviceSpec,
  siteSpec,
  upstreamSpec,
} from '../../../../../test/fixtures/fleet-state.factory.js';
import { AppError } from '../../common/errors/app-error.js';
import { renderAgent } from './agent-renderer.js';
import type { FleetState } from './fleet-state.js';
import { RenderError } from './render-error.js';

function refusal(state: FleetState, agentId = 'agent-edge') {
  try {
    renderAgent(state, agentId);
  } catch (error) {
    if (error instanceof RenderError)
      return { code: error.code, reason: error.reason, message: error.message };
    throw error;
  }
  throw new Error('rendered');
}

const owui = (patch: (s: FleetState) => void) => {
  const state = referenceFleet();
  patch(state);
  return state;
};

describe('render refuses, with a stable reason and a clear message', () => {
  test('a route to an upstream that does not exist', () => {
    const state = fleetState({ agents: [agentSpec()], sites: [siteSpec()], upstreams: [] });
    expect(refusal(state)).toEqual({
      code: 'RENDER_FAILED',
      reason: 'ROUTE_UPSTREAM_MISSING',
      message: 'site app: route / points at upstream up-app, which does not exist',
    });
  });

  test('a bridge-mode Open WebUI proxied at the container port 8080', () => {
    const state = referenceFleet({ openWebuiTarget: { host: '127.0.0.1', port: 8080 } });
    expect(refusal(state)).toEqual({
      code: 'RENDER_FAILED',
      reason: 'OPENWEBUI_PORT_MISMATCH',
      message:
        'service open-webui runs in bridge mode and publishes 3000->8080, but upstream openwebui targets 127.0.0.1:8080; point it at port 3000',
    });
  });

  test('a host-network Open WebUI proxied at 3000 (it listens on 8080)', () => {
    const state = owui((s) => {
      s.services = s.services.map((x) =>
        x.kind === 'openwebui' ? { ...x, options: { ...x.options, network: 'host' } } : x,
      );
    });
    expect(refusal(state).reason).toBe('OPENWEBUI_PORT_MISMATCH');
    // The proxy agent refuses too: its config is the wrong half.
    const proxyOnly = { ...state, services: state.services.map((x) => ({ ...x, agentIds: ['agent-gpu'] })) };
    expect(refusal(proxyOnly).reason).toBe('OPENWEBUI_PORT_MISMATCH');
  });

  test('an app timeout above the proxy timeout', () => {
    const state = owui((s) => {
      s.sites = s.sites.map((x) => (x.name === 'chat' ? { ...x, readTimeoutSec: 120 } : x));
    });
    expect(refusal(state)).toEqual({
      code: 'RENDER_FAILED',
      reason: 'APP_TIMEOUT_EXCEEDS_PROXY',
      message:
        "service open-webui waits up to 300s (AIOHTTP_CLIENT_TIMEOUT) but site chat cuts responses after 120s; lower the service timeout or raise the site's read timeout",
    });
  });

  test.each([
    [
      'uploaded with no certificate',
      { tlsMode: 'uploaded' as const, certificateId: null },
      'no certificate is attached',
    ],
    [
      'an unknown certificate',
      { tlsMode: 'uploaded' as const, certificateId: 'nope' },
      'certificate nope does not exist',
    ],
    [
      'ACME pointing at an unknown certificate',
      { tlsMode: 'acme' as const, certificateId: 'nope' },
      'certificate nope does not exist',
    ],
  ])('TLS on with %s', (_name, tls, why) => {
    const state = fleetState({ agents: [agentSpec()], sites: [siteSpec(tls)], upstreams: [upstreamSpec()] });
    expect(refusal(state)).toMatchObject({
      reason: 'TLS_CERTIFICATE_MISSING',
      message: expect.stringContaining(why),
    });
  });

  test('an uploaded certificate whose chain is not PEM', () => {
    const state = fleetState({
      agents: [agentSpec()],
      sites: [siteSpec({ tlsMode: 'uploaded', certificateId: 'bad' })],
      upstreams: [upstreamSpec()],
      certificates: [
        certificateSpec({
          id: 'bad',
          chainPem: '-----BEGIN CERTIFICATE-----\nAAAA\n-----END CERTIFICATE-----\n',
        }),
      ],
    });
    expect(refusal(state).reason).toBe('TLS_CERTIFICATE_INVALID');
  });

  test('a route under the ACME challenge path', () => {
    const state = fleetState({
      agents: [agentSpec()],
      sites: [
        siteSpec({
          routes: [{ pathPrefix: '/.well-known/acme-challenge/x', upstreamId: 'up-app', streaming: false }],
        }),
      ],
      upstreams: [upstreamSpec()],
    });
    expect(refusal(state).reason).toBe('ROUTE_RESERVED_PATH');
  });

  test('an upstream mixing http and https', () => {
    const state = fleetState({
      agents: [agentSpec()],
      sites: [siteSpec()],
      upstreams: [
        upstreamSpec({
          targets: [
            { scheme: 'http', host: '10.0.0.1', port: 80, weight: 1 },
            { scheme: 'https', host: '10.0.0.2', port: 443, weight: 1 },
          ],
        }),
      ],
    });
    expect(refusal(state).reason).toBe('UPSTREAM_INVALID');
  });

  test('two sites on one agent claiming the same hostname', () => {
    const state = fleetState({
      agents: [agentSpec()],
      sites: [siteSpec(), siteSpec({ id: 'site-b', name: 'b' })],
      upstreams: [upstreamSpec()],
    });
    expect(refusal(state)).toMatchObject({
      reason: 'SITE_CONFLICT',
      message: 'agent edge: sites app and b both claim hostname app.example.test',
    });
  });

  test('a service option naming a missing upstream, and a generic service without a command', () => {
    const missing = fleetState({
      agents: [agentSpec()],
      services: [serviceSpec({ kind: 'ollama', execStart: null, options: { upstream: 'gone' } })],
    });
    expect(refusal(missing).reason).toBe('SERVICE_INVALID');
    const noCommand = fleetState({ agents: [agentSpec()], services: [serviceSpec({ execStart: null })] });
    expect(refusal(noCommand).reason).toBe('SERVICE_INVALID');
  });

  test('a value no syntax can carry (defence in depth behind the API)', () => {
    const state = fleetState({
      agents: [agentSpec()],
      sites: [siteSpec({ responseHeaders: [{ name: 'X', value: 'a\nadd_header Y z' }] })],
      upstreams: [upstreamSpec()],
    });
    expect(refusal(state).reason).toBe('UNSAFE_VALUE');
    const dollar = {
      ...state,
      sites: [siteSpec({ upstreamHeaders: [{ name: 'X', value: '$request_uri' }] })],
    };
    expect(refusal(dollar).reason).toBe('UNSAFE_VALUE');
  });

  test('an unknown agent is a 404, not a render failure', () => {
    expect(() => renderAgent(fleetState(), 'nobody')).toThrow(AppError);
    try {
      renderAgent(fleetState(), 'nobody');
    } catch (error) {
      expect((error as AppError).code).toBe('NOT_FOUND');
    }
  });
});
