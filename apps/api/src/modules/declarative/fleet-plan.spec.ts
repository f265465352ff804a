import { describe, expect, it } from '@jest/globals';
import { fleetDocumentSchema } from './dto/fleet-document.schema.js';
import { documentObjects, type FleetObjects } from './fleet-objects.js';
import { planFleet } from './fleet-plan.js';

const doc = (over: Record<string, unknown> = {}) =>
  fleetDocumentSchema.parse({
    apiVersion: 'portico/v1',
    upstreams: [{ name: 'api', targets: [{ host: '10.0.0.1', port: 80 }] }],
    sites: [{ name: 'shop', hostnames: ['shop.test'], routes: [{ pathPrefix: '/', upstream: 'api' }] }],
    ...over,
  });

const empty: FleetObjects = { agents: [], upstreams: [], certificatePolicies: [], sites: [], services: [] };
const state = (d: ReturnType<typeof doc>) => ({ ...empty, ...documentObjects(d) });

describe('planFleet', () => {
  it('creates what is missing, with defaults filled in', () => {
    const plan = planFleet(empty, documentObjects(doc()));
    expect(plan.summary).toEqual({ create: 2, update: 0, delete: 0, unchanged: 0 });
    expect(plan.managed).toEqual(['upstreams', 'sites']);
    const up = plan.changes.find((c) => c.kind === 'upstream')!;
    expect(up.fields).toContainEqual({
      field: 'targets',
      before: undefined,
      after: [{ scheme: 'http', host: '10.0.0.1', port: 80, weight: 1 }],
    });
  });

  it('is a no-op for the same document, defaults written out or not', () => {
    const explicit = doc({
      upstreams: [
        {
          name: 'api',
          kind: 'generic',
          keepalive: 16,
          targets: [{ scheme: 'http', host: '10.0.0.1', port: 80, weight: 1 }],
          labels: {},
        },
      ],
    });
    const plan = planFleet(state(doc()), documentObjects(explicit));
    expect(plan.changes).toEqual([]);
    expect(plan.summary.unchanged).toBe(2);
  });

  it('diffs field by field, ignores key order, and deletes what the document drops', () => {
    const current = state(
      doc({
        sites: [
          {
            name: 'shop',
            hostnames: ['shop.test'],
            routes: [{ pathPrefix: '/', upstream: 'api' }],
            labels: { a: '1', b: '2' },
          },
        ],
      }),
    );
    const next = doc({
      upstreams: [{ name: 'api', targets: [{ host: '10.0.0.1', port: 80 }], keepalive: 4 }],
      sites: [
        {
          name: 'shop',
          hostnames: ['shop.test'],
          routes: [{ pathPrefix: '/', upstream: 'api' }],
          labels: { b: '2', a: '1' },
        },
        { name: 'blog', hostnames: ['blog.test'], routes: [{ pathPrefix: '/', upstream: 'api' }] },
      ],
    });
    const plan = planFleet(
      {
        ...current,
        agents: [
          { ...documentObjects(doc({ agents: [{ name: 'old', address: '192.0.2.1' }] })).agents![0]! },
        ],
      },
      { ...documentObjects(next), agents: [] },
    );
    expect(plan.changes.map((c) => [c.action, c.kind, c.name])).toEqual([
      ['delete', 'agent', 'old'],
      ['update', 'upstream', 'api'],
      ['create', 'site', 'blog'],
    ]);
    expect(plan.changes[1]!.fields).toEqual([{ field: 'keepalive', before: 16, after: 4 }]);
  });

  it('rejects duplicate names and hostnames shared by two sites', () => {
    const dup = fleetDocumentSchema.safeParse({
      apiVersion: 'portico/v1',
      upstreams: [
        { name: 'api', targets: [{ host: '10.0.0.1', port: 80 }] },
        { name: 'api', targets: [{ host: '10.0.0.2', port: 80 }] },
      ],
      sites: [
        { name: 'a', hostnames: ['x.test'], routes: [{ pathPrefix: '/', upstream: 'api' }] },
        { name: 'b', hostnames: ['x.test'], routes: [{ pathPrefix: '/', upstream: 'api' }] },
      ],
    });
    expect(dup.success).toBe(false);
    expect(dup.error!.issues.map((i) => i.path.join('.'))).toEqual([
      'upstreams.1.name',
      'sites.1.hostnames.0',
    ]);
    expect(
      fleetDocumentSchema.safeParse({
        apiVersion: 'portico/v1',
        agents: [{ name: 'a', address: '192.0.2.1', privateKey: 'x' }],
      }).success,
    ).toBe(false);
  });
});
