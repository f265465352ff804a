import { describe, expect, it } from '@jest/globals';
import { planChecks } from './check-planner.js';
import { ownerOf } from './rendezvous.js';

const agent = {
  id: 'a1',
  address: '10.0.0.1',
  sshPort: 22,
  listenAddress: null,
  httpPort: 80,
  httpsPort: 443,
  hasKey: false,
};
const settings = { intervalMs: 10_000, timeoutMs: 5_000 };

describe('planChecks', () => {
  it('plans http, websocket, tls and redirect checks per agent serving an HTTPS site', () => {
    const checks = planChecks(
      {
        agents: [agent],
        sites: [
          {
            id: 's1',
            hostnames: ['chat.example.test'],
            tlsMode: 'acme',
            httpsRedirect: true,
            websocket: true,
            agentIds: ['a1'],
          },
        ],
        upstreams: [],
      },
      settings,
    );
    const site = checks.filter((c) => c.subjectType === 'site');
    expect(site.map((c) => c.key).sort()).toEqual(
      ['s1:http@a1', 's1:redirect@a1', 's1:tls@a1', 's1:websocket@a1'].map((k) => `site:${k}`),
    );
    expect(site.find((c) => c.key.includes(':http@'))?.probe).toMatchObject({
      port: 443,
      tls: true,
      host: 'chat.example.test',
    });
    expect(site.find((c) => c.key.includes(':redirect@'))?.probe).toMatchObject({ port: 80 });
  });

  it('plans one HTTP check per upstream target, /api/tags for Ollama, and ssh + proxy per agent', () => {
    const checks = planChecks(
      {
        agents: [{ ...agent, listenAddress: '10.0.0.2', httpPort: 8080 }],
        sites: [],
        upstreams: [
          {
            id: 'u1',
            kind: 'ollama',
            targets: [
              { host: '10.0.0.5', port: 11434 },
              { scheme: 'https', host: 'b', port: 1 },
            ],
          },
        ],
      },
      settings,
    );
    expect(checks.map((c) => c.key)).toEqual([
      'upstream:u1:http://10.0.0.5:11434',
      'upstream:u1:https://b:1',
      'agent:a1:ssh',
      'agent:a1:proxy',
    ]);
    expect(checks[0]?.probe).toMatchObject({ path: '/api/tags', ollama: true });
    expect(checks[3]?.probe).toMatchObject({ address: '10.0.0.2', port: 8080 });
  });
});

it('adds a slower drift check for agents Portico can log in to, unless turned off', () => {
  const input = { agents: [agent, { ...agent, id: 'a2', hasKey: true }], sites: [], upstreams: [] };
  const drift = planChecks(input, { ...settings, driftIntervalMs: 300_000 }).filter(
    (c) => c.probe.kind === 'agent-drift',
  );
  expect(drift.map((c) => c.key)).toEqual(['agent:a2:drift']);
  expect(drift[0]?.intervalMs).toBe(300_000);
  expect(
    planChecks(input, { ...settings, driftIntervalMs: 0 }).some((c) => c.probe.kind === 'agent-drift'),
  ).toBe(false);
});

it('checks the proxy process over SSH only where Portico holds a key', () => {
  const input = { agents: [agent, { ...agent, id: 'a2', hasKey: true }], sites: [], upstreams: [] };
  const process = planChecks(input, settings).filter((c) => c.probe.kind === 'agent-process');
  expect(process.map((c) => [c.key, c.agentId])).toEqual([['agent:a2:process', 'a2']]);
});

it('probes an upstream from each keyed agent routing to it when probeFrom is agents', () => {
  const upstream = {
    id: 'u1',
    kind: 'ollama' as const,
    targets: [{ host: 'gpu.internal', port: 11434 }],
    agentIds: ['a1', 'a2', 'a3'],
  };
  const agents = [agent, { ...agent, id: 'a2', hasKey: true }, { ...agent, id: 'a3', hasKey: true }];
  const fromAgents = planChecks(
    { agents, sites: [], upstreams: [{ ...upstream, probeFrom: 'agents' }] },
    settings,
  ).filter((c) => c.subjectType === 'upstream');
  // a1 has no key: Portico cannot log in there, so it cannot probe from there either.
  expect(fromAgents.map((c) => [c.key, c.agentId, c.probe])).toEqual(
    ['a2', 'a3'].map((id) => [
      `upstream:u1:http://gpu.internal:11434@${id}`,
      id,
      expect.objectContaining({ kind: 'upstream-http', path: '/api/tags', viaAgentId: id }),
    ]),
  );
  const fromPortico = planChecks({ agents, sites: [], upstreams: [upstream] }, settings).filter(
    (c) => c.subjectType === 'upstream',
  );
  expect(fromPortico.map((c) => [c.key, c.agentId])).toEqual([
    ['upstream:u1:http://gpu.internal:11434', undefined],
  ]);
});

describe('ownerOf', () => {
  it('shares keys out among members and moves only the leaving member’s keys', () => {
    const keys = Array.from({ length: 3000 }, (_, i) => `check-${i}`);
    const three = ['i1', 'i2', 'i3'];
    const owners = keys.map((k) => ownerOf(k, three));
    for (const m of three) expect(owners.filter((o) => o === m).length).toBeGreaterThan(800);
    const two = ['i1', 'i3'];
    keys.forEach((k, i) => {
      if (owners[i] !== 'i2') expect(ownerOf(k, two)).toBe(owners[i]);
    });
  });
});
