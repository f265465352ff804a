import { describe, expect, test } from '@jest/globals';
import { resolveSiteReferences, type SiteLookups } from './site-references.js';

/** Lookups over a fixed set of names, as a preview's are over the state it renders. */
const lookups = (over: Partial<SiteLookups> = {}): SiteLookups => ({
  upstreams: async (names) => new Map(names.filter((n) => n === 'webui').map((n) => [n, 'up-webui'])),
  agents: async (names) => new Map(names.filter((n) => n === 'edge').map((n) => [n, 'agent-edge'])),
  policy: async (name) => (name === 'le-http' ? { id: 'p1', name, challenge: 'http-01' } : null),
  certificateExists: async (id) => id === 'cert-1',
  ...over,
});

describe('the site reference resolver (saves, fleet documents and previews)', () => {
  test('turns names into ids', async () => {
    const refs = await resolveSiteReferences(
      {
        hostnames: ['chat.example.test'],
        tlsMode: 'uploaded',
        certificateId: 'cert-1',
        routes: [{ pathPrefix: '/', upstream: 'webui', streaming: true }],
        agents: ['edge'],
        certificatePolicy: null,
      },
      lookups(),
    );
    expect(refs).toEqual({
      errors: [],
      routes: [{ pathPrefix: '/', upstreamId: 'up-webui', streaming: true }],
      agentIds: ['agent-edge'],
      certificatePolicyId: null,
    });
  });

  test('reports every problem at once, under the field a request names', async () => {
    const refs = await resolveSiteReferences(
      {
        hostnames: ['*.chat.example.test'],
        tlsMode: 'uploaded',
        certificateId: undefined,
        routes: [
          { pathPrefix: '/', upstream: 'webui' },
          { pathPrefix: '/api', upstream: 'nowhere' },
        ],
        agents: ['ghost'],
        certificatePolicy: 'missing',
      },
      lookups(),
    );
    expect(refs.errors).toEqual([
      { field: 'routes.1.upstream', message: 'no upstream named nowhere' },
      { field: 'agents.0', message: 'no agent named ghost' },
      { field: 'certificateId', message: 'is required when tlsMode is uploaded' },
      { field: 'certificatePolicy', message: 'no certificate policy named missing' },
    ]);
  });

  test('an http-01 policy cannot prove wildcards, named or kept', async () => {
    const input = { hostnames: ['*.example.test'], tlsMode: 'acme', certificateId: null };
    const named = await resolveSiteReferences({ ...input, certificatePolicy: 'le-http' }, lookups());
    expect(named.errors).toEqual([
      { field: 'certificatePolicy', message: expect.stringContaining('use a dns-01 policy') },
    ]);
    const kept = await resolveSiteReferences(input, lookups(), async () => ({
      name: 'le-http',
      challenge: 'http-01',
    }));
    expect(kept.errors.map((e) => e.field)).toEqual(['certificatePolicy']);
    expect(kept.certificatePolicyId).toBeUndefined();
  });
});
