import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { expect, test } from '@jest/globals';
import { renderAgent } from '../../apps/api/src/modules/render/agent-renderer.js';
import { FleetIndex } from '../../apps/api/src/modules/render/fleet-index.js';
import type { FleetState, SiteSpec, UpstreamSpec } from '../../apps/api/src/modules/render/fleet-state.js';
import { agentHash } from '../../apps/api/src/modules/render/rendered-file.js';
import { sitePlan } from '../../apps/api/src/modules/render/site-plan.js';
import {
  agentSpec,
  certificateSpec,
  fleetState,
  siteSpec,
  upstreamSpec,
} from '../../test/fixtures/fleet-state.factory.js';

// 10,000 sites on one agent: half HTTPS with redirect and HSTS, two routes each (one
// streaming), 100 upstreams of two targets under the three balancing policies.

const SITES = 10_000;
const RUNS = Number(process.env.BENCH_RUNS ?? 5);

function bigFleet(flavor: 'nginx' | 'apache'): FleetState {
  const policies = ['round_robin', 'least_conn', 'ip_hash'] as const;
  const upstreams: UpstreamSpec[] = Array.from({ length: 100 }, (_, i) =>
    upstreamSpec({
      id: `up-${i}`,
      name: `up-${i}`,
      policy: policies[i % 3],
      targets: [
        { scheme: 'http', host: `10.0.${i}.1`, port: 8080, weight: 1 },
        { scheme: 'http', host: `10.0.${i}.2`, port: 8080, weight: 2 },
      ],
    }),
  );
  const certificate = certificateSpec();
  const sites: SiteSpec[] = Array.from({ length: SITES }, (_, i) =>
    siteSpec({
      id: `site-${i}`,
      name: `site-${i}`,
      hostnames: [`site-${i}.example.test`, `www.site-${i}.example.test`],
      tlsMode: i % 2 ? 'uploaded' : 'off',
      certificateId: i % 2 ? certificate.id : null,
      hsts: i % 2 === 1,
      responseHeaders: [{ name: 'X-Frame-Options', value: 'SAMEORIGIN' }],
      routes: [
        { pathPrefix: '/', upstreamId: `up-${i % 100}`, streaming: false },
        { pathPrefix: '/api/', upstreamId: `up-${(i + 1) % 100}`, streaming: true },
      ],
    }),
  );
  return fleetState({ agents: [agentSpec({ flavor })], sites, upstreams, certificates: [certificate] });
}

test.each(['nginx', 'apache'] as const)(`render ${SITES} sites for one %s agent`, (flavor) => {
  const state = bigFleet(flavor);
  renderAgent(state, 'agent-edge'); // warm-up: template compilation, JIT
  const times: number[] = [];
  let files = renderAgent(state, 'agent-edge');
  for (let i = 0; i < RUNS; i++) {
    const start = process.hrtime.bigint();
    files = renderAgent(state, 'agent-edge');
    agentHash(files);
    times.push(Number(process.hrtime.bigint() - start) / 1e6);
  }
  times.sort((a, b) => a - b);
  const median = times[Math.floor(RUNS / 2)] ?? 0;
  const bytes = files.reduce((n, f) => n + f.content.length, 0);
  console.log(
    `${flavor}: ${SITES} sites -> ${files.length} files, ${(bytes / 1e6).toFixed(1)} MB; ` +
      `median ${median.toFixed(0)} ms (min ${times[0]?.toFixed(0)}, max ${times.at(-1)?.toFixed(0)}) over ${RUNS} runs, ` +
      `${((median / SITES) * 1000).toFixed(1)} µs/site`,
  );
  expect(median).toBeLessThan(1_000);
});

// The peer: Jinja2 (Ansible's template engine) renders Portico's nginx site template from the same
// plans in the same run. It does only the template step; Portico's figure above also plans,
// checks and hashes. Skipped with a note when python3-jinja2 is not installed.
test('peer: Jinja2 renders the same nginx site files', () => {
  const probe = spawnSync('python3', ['-c', 'import jinja2'], { encoding: 'utf8' });
  if (probe.status !== 0) {
    console.log('peer skipped: python3 with jinja2 is not installed (apt-get install python3-jinja2)');
    return;
  }
  const state = bigFleet('nginx');
  const index = new FleetIndex(state);
  const agent = state.agents[0];
  if (!agent) throw new Error('no agent');
  const plans = index.sitesOf(agent.id).map((site) => sitePlan(index, site, agent));
  const dir = mkdtempSync(join(tmpdir(), 'portico-bench-'));
  try {
    writeFileSync(join(dir, 'plans.json'), JSON.stringify(plans));
    const start = process.hrtime.bigint();
    const result = spawnSync(
      'python3',
      [
        'bench/render/jinja2_peer.py',
        'templates',
        join(dir, 'plans.json'),
        String(RUNS),
        join(dir, 'out.txt'),
      ],
      { encoding: 'utf8', maxBuffer: 1 << 20, timeout: 300_000 },
    );
    const wall = Number(process.hrtime.bigint() - start) / 1e6;
    expect(result.stderr).toBe('');
    const peer = Number(result.stdout.trim());
    const ours = new Map(renderAgent(state, agent.id).map((f) => [f.path, f.content]));
    // Same bytes from both engines: the comparison is like for like.
    expect(readFileSync(join(dir, 'out.txt'), 'utf8')).toBe(
      plans.map((p) => ours.get(`nginx/sites/${p.name}.conf`)).join(''),
    );
    console.log(
      `peer Jinja2 ${spawnSync('python3', ['-c', 'import jinja2; print(jinja2.__version__)'], { encoding: 'utf8' }).stdout.trim()}: ` +
        `${SITES} nginx site files, median ${peer} ms over ${RUNS} runs (template step only; process ${wall.toFixed(0)} ms)`,
    );
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
