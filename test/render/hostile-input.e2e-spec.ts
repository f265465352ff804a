import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, jest, test } from '@jest/globals';
import fc from 'fast-check';
import { renderAgent, requiredApacheModules } from '../../apps/api/src/modules/render/agent-renderer.js';
import type {
  FleetState,
  ProxyFlavor,
  RenderedFile,
  ServiceSpec,
  SiteSpec,
  UpstreamSpec,
} from '../../apps/api/src/modules/render/fleet-state.js';
import { RenderError } from '../../apps/api/src/modules/render/render-error.js';
import {
  createServiceSchema,
  SERVICE_DEFAULTS,
} from '../../apps/api/src/modules/services/dto/service.schema.js';
import { createSiteSchema, SITE_DEFAULTS } from '../../apps/api/src/modules/sites/dto/site.schema.js';
import {
  createUpstreamSchema,
  UPSTREAM_DEFAULTS,
} from '../../apps/api/src/modules/upstreams/dto/upstream.schema.js';
import { ApacheInstance } from '../fixtures/apache-instance.js';
import { apacheSkeleton, nginxSkeleton, unitSkeleton } from '../fixtures/config-skeleton.js';
import { agentSpec, certificateSpec, fleetState } from '../fixtures/fleet-state.factory.js';
import { hostileService, hostileSite, hostileUpstream, UPSTREAM_NAMES } from '../fixtures/hostile-input.js';
import { NginxInstance } from '../fixtures/nginx-instance.js';
import { writeRenderedTree } from '../fixtures/rendered-tree.js';
import { SystemdVerifier } from '../fixtures/systemd-verifier.js';
import { createTestPki } from '../fixtures/tls.js';

// Property: every hostile document is either refused by the API's own schemas (the 400) or it
// renders to configs that the real nginx, Apache and systemd accept and whose directives are
// exactly those the templates write. A render refusal is allowed only for the documented
// cross-checks (422), never because a value could not be written safely.

jest.setTimeout(300_000);

const SEED = Number(process.env.FUZZ_SEED ?? 20_261_124);
const SITE_RUNS = Number(process.env.FUZZ_RUNS ?? 4_000);
const SERVICE_RUNS = Math.ceil(SITE_RUNS / 2);
const BATCH = 250;
// Render refusals (422) for rules that span documents or flavors, each with a clear message.
const CROSS_CHECKS = new Set([
  'TLS_CERTIFICATE_MISSING',
  'ROUTE_RESERVED_PATH',
  'SITE_CONFLICT',
  'UPSTREAM_INVALID',
]);

const dir = mkdtempSync(join(tmpdir(), 'portico-fuzz-'));
const pki = createTestPki(join(dir, 'pki'), ['fuzz.example.test']);
const certificate = certificateSpec({ chainPem: pki.chainPem, keyPem: pki.keyPem });
afterAll(() => rmSync(dir, { recursive: true, force: true }));

interface Accepted {
  index: number;
  doc: unknown;
  sites: SiteSpec[];
  upstreams: UpstreamSpec[];
  /** The same documents with every free-text value replaced by a harmless one. */
  twin: { sites: SiteSpec[]; upstreams: UpstreamSpec[] };
}

const show = (doc: unknown) => JSON.stringify(doc).slice(0, 600);

/** Hostnames and names get a per-case prefix so hundreds of cases share one server config. */
function prefixHost(i: number, host: string): string {
  return host.startsWith('*.') ? `*.c${i}.${host.slice(2)}` : `c${i}.${host}`;
}

function accept(index: number, doc: { site: unknown; upstreams: unknown[] }): Accepted | 'rejected' {
  const site = createSiteSchema.safeParse(doc.site);
  const upstreams = doc.upstreams.map((u) => createUpstreamSchema.safeParse(u));
  if (!site.success || upstreams.some((u) => !u.success)) return 'rejected';
  const ups: UpstreamSpec[] = upstreams.map((u) => {
    const data = { ...UPSTREAM_DEFAULTS, ...u.data! };
    return {
      id: `c${index}-${data.name}`,
      name: `c${index}-${data.name}`,
      kind: data.kind,
      policy: data.policy,
      keepalive: data.keepalive,
      targets: data.targets.map((t) => ({
        scheme: t.scheme ?? 'http',
        host: t.host,
        port: t.port,
        weight: t.weight ?? 1,
      })),
    };
  });
  const s = { ...SITE_DEFAULTS, ...site.data };
  const spec: SiteSpec = {
    id: `site-${index}`,
    name: `c${index}-${s.name}`.slice(0, 63).replace(/-+$/, ''),
    hostnames: s.hostnames.map((h) => prefixHost(index, h)),
    tlsMode: s.tlsMode,
    certificateId: s.certificateId ? certificate.id : null,
    httpsRedirect: s.httpsRedirect,
    hsts: s.hsts,
    websocket: s.websocket,
    readTimeoutSec: s.readTimeoutSec,
    sendTimeoutSec: s.sendTimeoutSec,
    maxBodyMb: s.maxBodyMb,
    responseHeaders: [...s.responseHeaders],
    upstreamHeaders: [...s.upstreamHeaders],
    routes: s.routes.map((r) => ({
      pathPrefix: r.pathPrefix,
      upstreamId: `c${index}-${r.upstream}`,
      streaming: r.streaming ?? false,
    })),
    agentIds: [],
  };
  const plain = (headers: SiteSpec['responseHeaders']) => headers.map((h) => ({ name: h.name, value: 'x' }));
  // Hostnames stay: they are strict tokens, and their length decides nginx's hash settings.
  const twin: SiteSpec = {
    ...spec,
    responseHeaders: plain(spec.responseHeaders),
    upstreamHeaders: plain(spec.upstreamHeaders),
  };
  return { index, doc, sites: [spec], upstreams: ups, twin: { sites: [twin], upstreams: ups } };
}

/** Renders one case alone: fine, refused by a documented cross-check, or a hole. */
function classify(flavor: ProxyFlavor, c: Accepted): 'ok' | 'cross-check' | string {
  const agent = agentSpec({ flavor });
  try {
    renderAgent(
      fleetState({
        agents: [agent],
        sites: c.sites.map((s) => ({ ...s, agentIds: [agent.id] })),
        upstreams: c.upstreams,
        certificates: [certificate],
      }),
      agent.id,
    );
    return 'ok';
  } catch (error) {
    if (error instanceof RenderError && CROSS_CHECKS.has(error.reason)) return 'cross-check';
    return `${(error as Error).message} <- ${show(c.doc)}`;
  }
}

function batchState(flavor: ProxyFlavor, configRoot: string, cases: Accepted[], twin: boolean): FleetState {
  const agent = agentSpec({ flavor, configRoot });
  return fleetState({
    agents: [agent],
    sites: cases.flatMap((c) => (twin ? c.twin.sites : c.sites).map((s) => ({ ...s, agentIds: [agent.id] }))),
    upstreams: cases.flatMap((c) => c.upstreams),
    certificates: [certificate],
  });
}

function skeletons(files: RenderedFile[], flavor: ProxyFlavor): Map<string, string[]> {
  const skeleton = flavor === 'nginx' ? nginxSkeleton : apacheSkeleton;
  return new Map(
    files.filter((f) => f.path.startsWith(`${flavor}/`)).map((f) => [f.path, skeleton(f.content)]),
  );
}

const siteCases = fc.sample(
  fc.record({ site: hostileSite, upstreams: fc.tuple(...UPSTREAM_NAMES.map((n) => hostileUpstream(n))) }),
  { seed: SEED, numRuns: SITE_RUNS },
);
const accepted = siteCases.map((doc, i) => accept(i, doc)).filter((c): c is Accepted => c !== 'rejected');
describe(`hostile site and upstream documents (seed ${SEED}, ${SITE_RUNS} runs)`, () => {
  test('a fair share is refused by validation and a fair share gets through', () => {
    expect(accepted.length).toBeGreaterThan(SITE_RUNS * 0.15);
    expect(accepted.length).toBeLessThan(SITE_RUNS * 0.85);
  });

  describe.each(['nginx', 'apache'] as const)('%s', (flavor) => {
    const verdicts = accepted.map((c) => ({ c, verdict: classify(flavor, c) }));

    test('accepted documents render, or are refused only by a documented cross-check', () => {
      expect(
        verdicts.filter((v) => v.verdict !== 'ok' && v.verdict !== 'cross-check').map((v) => v.verdict),
      ).toEqual([]);
    });
    const renderable = verdicts.filter((v) => v.verdict === 'ok').map((v) => v.c);
    const batches = Array.from({ length: Math.ceil(renderable.length / BATCH) }, (_, i) =>
      renderable.slice(i * BATCH, (i + 1) * BATCH),
    );

    test.each(batches.map((b, i) => [i + 1, b] as const))(
      `batch %i: ${flavor} accepts the config and it holds only the directives the templates write`,
      (batchNo, cases) => {
        const base = join(dir, `${flavor}-${batchNo}`);
        const configRoot = join(base, 'portico');
        mkdirSync(configRoot, { recursive: true });
        const state = batchState(flavor, configRoot, cases, false);
        const files = renderAgent(state, 'agent-edge');
        const twinFiles = renderAgent(batchState(flavor, configRoot, cases, true), 'agent-edge');
        const twins = skeletons(twinFiles, flavor);
        const differing = [...skeletons(files, flavor)].filter(
          ([path, s]) => JSON.stringify(s) !== JSON.stringify(twins.get(path)),
        );
        expect(differing.map(([path]) => path)).toEqual([]);
        writeRenderedTree(configRoot, files);
        const server =
          flavor === 'nginx'
            ? new NginxInstance(base, configRoot)
            : new ApacheInstance(base, configRoot, requiredApacheModules(state, 'agent-edge'), [
                { port: 80 },
                { port: 443, https: true },
              ]);
        const result = server.validate();
        expect({ ok: result.ok, problems: result.problems.slice(0, 5) }).toEqual({ ok: true, problems: [] });
        const loaded = new Set(server.loadedFiles());
        const sites = files.filter((f) => f.path.startsWith(`${flavor}/sites/`));
        expect(sites.filter((f) => !loaded.has(`${configRoot}/live/${f.path}`)).map((f) => f.path)).toEqual(
          [],
        );
      },
    );
  });
});
const serviceCases = fc.sample(hostileService, { seed: SEED + 1, numRuns: SERVICE_RUNS });

describe(`hostile service documents (seed ${SEED + 1}, ${SERVICE_RUNS} runs)`, () => {
  const agent = agentSpec({ id: 'agent-units', name: 'units' });
  const units: ServiceSpec[] = [];
  const twins: ServiceSpec[] = [];
  const holes: string[] = [];
  serviceCases.forEach((doc, i) => {
    const parsed = createServiceSchema.safeParse(doc);
    if (!parsed.success) return;
    const d = { ...SERVICE_DEFAULTS, ...parsed.data };
    const spec: ServiceSpec = {
      id: `svc-${i}`,
      name: `c${i}-${d.name}`.slice(0, 63).replace(/-+$/, ''),
      kind: d.kind,
      description: d.description,
      execStart: d.execStart,
      image: d.image,
      environment: d.environment,
      user: d.user,
      restart: d.restart,
      options: d.options,
      agentIds: [agent.id],
    };
    try {
      renderAgent(fleetState({ agents: [agent], services: [spec] }), agent.id);
    } catch (error) {
      holes.push(`${(error as Error).message} <- ${show(doc)}`);
      return;
    }
    units.push(spec);
    const env = Object.fromEntries(Object.keys(spec.environment).map((k) => [k, 'x']));
    twins.push({
      ...spec,
      description: spec.description ? 'x' : '',
      execStart: spec.execStart && '/usr/bin/env x',
      environment: env,
    });
  });
  test('a fair share is refused by validation and a fair share gets through', () => {
    expect(units.length + holes.length).toBeGreaterThan(SERVICE_RUNS * 0.15);
    expect(units.length + holes.length).toBeLessThan(SERVICE_RUNS * 0.85);
  });

  test('accepted documents render', () => {
    expect(holes).toEqual([]);
  });

  test('systemd-analyze verify accepts every unit, and units hold only the keys the templates write', () => {
    const files = renderAgent(fleetState({ agents: [agent], services: units }), agent.id);
    const twinFiles = renderAgent(fleetState({ agents: [agent], services: twins }), agent.id);
    const twinSkeletons = new Map(
      twinFiles.map((f) => [f.path, f.path.startsWith('systemd/') ? unitSkeleton(f.content) : []]),
    );
    const differing = files
      .filter((f) => f.path.startsWith('systemd/'))
      .filter((f) => JSON.stringify(unitSkeleton(f.content)) !== JSON.stringify(twinSkeletons.get(f.path)));
    expect(differing.map((f) => f.path)).toEqual([]);
    const result = new SystemdVerifier(join(dir, 'systemd-root')).verify(files);
    expect({ ok: result.ok, problems: result.problems.slice(0, 10) }).toEqual({ ok: true, problems: [] });
  });
});
