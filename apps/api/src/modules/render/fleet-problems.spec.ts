import { describe, expect, test } from '@jest/globals';
import { referenceFleet } from '../../../../../test/fixtures/fleet-state.factory.js';
import { fleetProblems } from './fleet-problems.js';

const none = { upstreams: new Set<string>(), sites: new Set<string>() };

describe('fleet problems (the renderer’s cross-object rules, without rendering)', () => {
  test('the reference fleet has none', () => {
    expect(
      fleetProblems(referenceFleet(), {
        upstreams: new Set(['openwebui', 'ollama']),
        sites: new Set(['chat']),
      }),
    ).toEqual([]);
  });

  test('an Open WebUI upstream on the container port involves both the service and the upstream', () => {
    const problems = fleetProblems(
      referenceFleet({ openWebuiTarget: { host: '127.0.0.1', port: 8080 } }),
      none,
    );
    expect(problems.map((p) => (p.error.details as { reason: string }).reason)).toEqual([
      'OPENWEBUI_PORT_MISMATCH',
    ]);
    expect(problems[0]!.involves).toEqual({ upstream: ['openwebui'], site: [], service: ['open-webui'] });
  });

  test('a site that cuts an app’s responses early involves the site and the service', () => {
    const state = referenceFleet();
    state.sites = state.sites.map((s) => (s.name === 'chat' ? { ...s, readTimeoutSec: 60 } : s));
    const [problem] = fleetProblems(state, { upstreams: new Set(), sites: new Set(['chat']) });
    expect((problem!.error.details as { reason: string }).reason).toBe('APP_TIMEOUT_EXCEEDS_PROXY');
    expect(problem!.involves.site).toContain('chat');
    expect(problem!.involves.service).toEqual(['open-webui']);
  });

  test('upstreams and sites outside the scope are not planned; services always are', () => {
    const state = referenceFleet();
    state.upstreams = state.upstreams.map((u) => (u.name === 'ollama' ? { ...u, targets: [] } : u));
    expect(fleetProblems(state, none)).toEqual([]);
    const [problem] = fleetProblems(state, { upstreams: new Set(['ollama']), sites: new Set() });
    expect((problem!.error.details as { reason: string }).reason).toBe('UPSTREAM_INVALID');
  });
});
