import { describe, expect, it } from '@jest/globals';
import { referenceFleet } from '../../../../../test/fixtures/fleet-state.factory.js';
import type { FleetState } from '../render/fleet-state.js';
import { checksForAgent, httpChecks, PROXY_ANSWERED } from './verify-checks.js';

describe('checksForAgent', () => {
  it('asks for each site the agent serves, by its first concrete hostname, on the agent HTTP port', () => {
    const state: FleetState = referenceFleet();
    const agent = state.agents[0]!;
    const sites = state.sites.filter((s) => s.agentIds.includes(agent.id));
    const checks = checksForAgent(state, agent.id);
    expect(checks).toHaveLength(sites.length);
    for (const c of checks) expect(c).toMatchObject({ port: agent.httpPort ?? 80, path: '/' });
  });

  it('turns a wildcard-only site into a concrete name and skips unknown agents', () => {
    const state: FleetState = {
      revision: 1,
      agents: [{ id: 'a', name: 'a', flavor: 'nginx', configRoot: '/etc/portico', httpPort: 8080 }],
      sites: [
        {
          id: 's',
          name: 'wild',
          hostnames: ['*.example.test'],
          tlsMode: 'off',
          certificateId: null,
          httpsRedirect: true,
          hsts: false,
          websocket: true,
          readTimeoutSec: 60,
          sendTimeoutSec: 60,
          maxBodyMb: 1,
          responseHeaders: [],
          upstreamHeaders: [],
          routes: [],
          agentIds: ['a'],
        },
      ],
      upstreams: [],
      services: [],
      certificates: [],
    };
    expect(checksForAgent(state, 'a')).toEqual([
      { port: 8080, hostHeader: 'portico-verify.example.test', path: '/' },
    ]);
    expect(checksForAgent(state, 'missing')).toEqual([]);
  });
});

describe('PROXY_ANSWERED', () => {
  it('counts a backend outage (502-504) as the proxy answering, but not 500', () => {
    expect(PROXY_ANSWERED).toEqual(expect.arrayContaining([200, 301, 404, 502, 503, 504]));
    expect(PROXY_ANSWERED).not.toContain(500);
    expect(httpChecks([{ port: 80, hostHeader: 'x.test', path: '/' }])[0]!.acceptStatus).toContain(502);
  });
});
