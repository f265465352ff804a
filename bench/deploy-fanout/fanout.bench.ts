// Fleet fan-out: time until one site change is live on every host, Portico's deploy engine vs an
// Ansible playbook, against the same real sshd + nginx test hosts; plus a no-op redeploy.
//
//   node --import ./bench/deploy-fanout/ts-loader.mjs bench/deploy-fanout/fanout.bench.ts \
//     [--sizes 5,10,20] [--rounds 3] [--concurrency 32] [--strict]
import { execFileSync } from 'node:child_process';
import { parseArgs } from 'node:util';
import type { HttpCheck } from '../../apps/api/src/modules/deploy/http-probe.js';
import { treeFor } from '../../test/deploy/proxy-tree.js';
import type { SshHost } from '../../test/fixtures/ssh-host.js';
import { SshHostFleet } from '../../test/fixtures/ssh-host-fleet.js';
import { AnsibleFanout } from './ansible-fanout.js';
import { PorticoFanout } from './portico-fanout.js';

const { values } = parseArgs({
  options: {
    sizes: { type: 'string', default: '5,10,20' },
    rounds: { type: 'string', default: '3' },
    concurrency: { type: 'string', default: '32' },
    strict: { type: 'boolean', default: false },
  },
});
const sizes = values.sizes.split(',').map(Number);
const rounds = Number(values.rounds);
const PORTICO_HOSTNAME = 'bench-portico.test';

const files = (body: string) => (host: SshHost) =>
  treeFor(host, [{ name: 'app', hostname: PORTICO_HOSTNAME, body }]);
const checks = (host: SshHost): HttpCheck[] => [
  { port: host.httpPort, hostHeader: PORTICO_HOSTNAME, acceptStatus: [200] },
];
const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;
const ms = (x: number) => `${Math.round(x)} ms`.padStart(9);

interface Row {
  hosts: number;
  portico: number;
  ansible: number;
  porticoNoop: number;
  ansibleNoop: number;
}

async function measure(size: number): Promise<Row> {
  const fleet = await SshHostFleet.start(Array(size).fill('nginx'));
  const ansible = new AnsibleFanout(fleet.hosts);
  const portico = new PorticoFanout(Number(values.concurrency));
  try {
    // Warm-up: both tools put their first version in place (first deploy, hook install, etc.).
    await expectAll(portico.deploy(fleet.hosts, 'r0', files('v0'), checks), 'deployed');
    await ansible.run('v0');
    const p: number[] = [];
    const a: number[] = [];
    for (let r = 1; r <= rounds; r++) {
      // Alternate who goes first so neither always runs on a warmer machine.
      const runPortico = async () =>
        p.push(
          (await expectAll(portico.deploy(fleet.hosts, `r${r}`, files(`v${r}`), checks), 'deployed')).ms,
        );
      const runAnsible = async () => a.push(await ansible.run(`v${r}`));
      if (r % 2) await runPortico().then(runAnsible);
      else await runAnsible().then(runPortico);
    }
    const noop = await expectAll(
      portico.deploy(fleet.hosts, `r${rounds}b`, files(`v${rounds}`), checks),
      'unchanged',
    );
    const ansibleNoop = await ansible.run(`v${rounds}`);
    return { hosts: size, portico: median(p), ansible: median(a), porticoNoop: noop.ms, ansibleNoop };
  } finally {
    ansible.cleanup();
    await fleet.stop();
  }
}

async function expectAll<T extends { ms: number; outcomes: { status: string }[] }>(
  run: Promise<T>,
  status: string,
) {
  const result = await run;
  const wrong = result.outcomes.filter((o) => o.status !== status);
  if (wrong.length > 0) throw new Error(`expected every host ${status}, got ${JSON.stringify(wrong[0])}`);
  return result;
}

async function main(): Promise<void> {
  const ansibleVersion = execFileSync('ansible', ['--version'], { encoding: 'utf8' }).split('\n')[0];
  console.log(`deploy-fanout: one site change, nginx hosts over real sshd; median of ${rounds} rounds`);
  console.log(`peer: ${ansibleVersion} (pipelining, forks = hosts, no facts, ControlPersist)\n`);
  console.log('hosts   portico   ansible   speed-up   no-op portico   no-op ansible');
  const rows: Row[] = [];
  for (const size of sizes) {
    const row = await measure(size);
    rows.push(row);
    console.log(
      `${String(row.hosts).padStart(5)} ${ms(row.portico)} ${ms(row.ansible)} ${`${(row.ansible / row.portico).toFixed(1)}x`.padStart(9)}   ${ms(row.porticoNoop)}       ${ms(row.ansibleNoop)}`,
    );
  }
  const worst = Math.min(...rows.map((r) => r.ansible / r.portico));
  const noop20 = rows.find((r) => r.hosts === 20)?.porticoNoop;
  const fast = worst >= 5;
  const noopOk = noop20 === undefined || noop20 < 1000;
  console.log(`\ntarget ≥5x faster than Ansible: ${fast ? 'met' : 'MISSED'} (worst ${worst.toFixed(1)}x)`);
  if (noop20 !== undefined)
    console.log(`target no-op redeploy of 20 hosts < 1 s: ${noopOk ? 'met' : 'MISSED'}`);
  if (values.strict && !(fast && noopOk)) process.exitCode = 1;
}

main().catch((error: unknown) => {
  console.error(error);
  process.exitCode = 1;
});
