import { describe, expect, test } from '@jest/globals';
import fc from 'fast-check';
import { referenceFleet, siteSpec, upstreamSpec } from '../../../../../test/fixtures/fleet-state.factory.js';
import { renderAgent } from './agent-renderer.js';
import type { FleetState } from './fleet-state.js';
import { agentHash } from './rendered-file.js';

// Rendering is a pure function of the state: the same state in any row order gives the same
// bytes, the same per-file hashes and the same agent hash; any change shows in the hash.

function richFleet(): FleetState {
  const state = referenceFleet();
  state.upstreams.push(
    upstreamSpec({
      id: 'up-pair',
      name: 'pair',
      policy: 'least_conn',
      targets: [
        { scheme: 'http', host: '10.0.0.9', port: 80, weight: 1 },
        { scheme: 'http', host: '10.0.0.8', port: 80, weight: 2 },
      ],
    }),
  );
  state.sites.push(
    siteSpec({
      id: 'site-multi',
      name: 'multi',
      hostnames: ['multi.example.test', 'b.multi.example.test', 'a.multi.example.test'],
      responseHeaders: [
        { name: 'X-B', value: '2' },
        { name: 'X-A', value: '1' },
      ],
      routes: [
        { pathPrefix: '/', upstreamId: 'up-pair', streaming: false },
        { pathPrefix: '/api/', upstreamId: 'up-openwebui', streaming: true },
      ],
    }),
  );
  return state;
}

const shuffled = <T>(items: T[], order: number[]) =>
  items
    .map((item, i) => ({ item, key: order[i % order.length] ?? 0 }))
    .sort((a, b) => a.key - b.key)
    .map((x) => x.item);

describe('rendering is deterministic', () => {
  test.each(['nginx', 'apache'] as const)('%s: row order never changes a byte', (flavor) => {
    const base = richFleet();
    base.agents = base.agents.map((a) => (a.id === 'agent-edge' ? { ...a, flavor } : a));
    const expected = renderAgent(base, 'agent-edge');
    fc.assert(
      fc.property(fc.array(fc.integer(), { minLength: 8, maxLength: 8 }), (order) => {
        const state: FleetState = {
          ...base,
          sites: shuffled(base.sites, order).map((s) => ({
            ...s,
            routes: shuffled(s.routes, order),
            responseHeaders: shuffled(s.responseHeaders, order),
            hostnames: [s.hostnames[0] as string, ...shuffled(s.hostnames.slice(1), order)],
          })),
          upstreams: shuffled(base.upstreams, order).map((u) => ({
            ...u,
            targets: shuffled(u.targets, order),
          })),
          services: shuffled(base.services, order),
          agents: shuffled(base.agents, order),
        };
        expect(renderAgent(state, 'agent-edge')).toEqual(expected);
      }),
      { numRuns: 50 },
    );
  });

  test('each file carries the sha256 of its content', () => {
    for (const file of renderAgent(richFleet(), 'agent-edge')) {
      expect(file.sha256).toMatch(/^[0-9a-f]{64}$/);
    }
    const [a, b] = [renderAgent(richFleet(), 'agent-edge'), renderAgent(richFleet(), 'agent-edge')];
    expect(agentHash(a)).toBe(agentHash(b));
  });

  test('the agent hash ignores file order but sees every path, mode and content change', () => {
    const files = renderAgent(richFleet(), 'agent-edge');
    const hash = agentHash(files);
    expect(agentHash([...files].reverse())).toBe(hash);
    const [first, ...rest] = files;
    if (!first) throw new Error('no files');
    expect(agentHash([{ ...first, mode: 0o600 }, ...rest])).not.toBe(hash);
    expect(agentHash([{ ...first, path: `${first.path}.x` }, ...rest])).not.toBe(hash);
    const changed = richFleet();
    changed.sites = changed.sites.map((s) => (s.name === 'multi' ? { ...s, readTimeoutSec: 3599 } : s));
    expect(agentHash(renderAgent(changed, 'agent-edge'))).not.toBe(hash);
  });

  test('the revision number alone changes nothing', () => {
    const state = richFleet();
    expect(agentHash(renderAgent({ ...state, revision: 99 }, 'agent-edge'))).toBe(
      agentHash(renderAgent(state, 'agent-edge')),
    );
  });
});
