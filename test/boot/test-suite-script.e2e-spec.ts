import { spawnSync } from 'node:child_process';
import { chmodSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from '@jest/globals';
import { REPO_ROOT } from '../support/built-app.js';

// `npm test` is scripts/test-suite.sh. It is run here for real, in a machine made up on PATH:
// stand-ins for dpkg-query, apt-get, sudo, service, pg_isready, pg_ctlcluster, redis-cli,
// redis-server and node record what they were asked and answer as a fresh machine would. So the
// paths that install packages and start services are proven without touching this machine's
// packages or its shared Postgres and Redis (--setup stops before the suite).

const SCRIPT = join(REPO_ROOT, 'scripts/test-suite.sh');
const ALL_PACKAGES = [
  'nginx apache2 openssh-server openssh-client systemd iproute2 sudo',
  'curl openssl wrk ansible chromium',
  'pebble bind9 bind9-utils bind9-dnsutils testssl.sh',
  'postgresql redis-server',
]
  .join(' ')
  .split(' ');

let root: string;

beforeEach(() => {
  root = mkdtempSync(join(tmpdir(), 'portico-test-suite-'));
});

afterEach(() => {
  rmSync(root, { recursive: true, force: true });
});

interface Machine {
  /** Packages dpkg-query reports as not installed. */
  missing?: string[];
  uid?: number;
  /** Whether `sudo -n` works (passwordless sudo). */
  sudo?: boolean;
  postgresUp?: boolean;
  redisUp?: boolean;
  /** The system Node's version. */
  node?: string;
}

function fake(bin: string, name: string, body: string): void {
  const file = join(bin, name);
  writeFileSync(file, `#!/bin/sh\necho "${name} $*" >> "$FAKE_LOG"\n${body}\n`);
  chmodSync(file, 0o755);
}

/** Runs the script with the given arguments on a machine described by `m`. */
function run(args: string[], m: Machine = {}) {
  const bin = join(root, 'bin');
  const state = join(root, 'state');
  mkdirSync(bin, { recursive: true });
  mkdirSync(state, { recursive: true });
  const missing = new Set(m.missing ?? []);
  // Packages the fake apt-get installs stop being missing, as on a real machine.
  fake(
    bin,
    'dpkg-query',
    `pkg="$3"; case " ${[...missing].join(' ')} " in *" $pkg "*) [ -f "$FAKE_STATE/installed-$pkg" ] || exit 1;; esac
printf 'install ok installed'`,
  );
  fake(
    bin,
    'apt-get',
    `[ "$1" = install ] && for p in "$@"; do touch "$FAKE_STATE/installed-$p"; done; exit 0`,
  );
  fake(bin, 'id', `echo ${m.uid ?? 0}`);
  fake(bin, 'sudo', m.sudo ? '[ "$1" = -n ] && shift; exec "$@"' : 'exit 1');
  fake(bin, 'service', 'exit 0');
  if (m.postgresUp) writeFileSync(join(state, 'postgres-up'), '');
  if (m.redisUp) writeFileSync(join(state, 'redis-up'), '');
  fake(bin, 'pg_isready', '[ -f "$FAKE_STATE/postgres-up" ]');
  fake(bin, 'pg_lsclusters', 'echo "15 main 5432 down postgres /var/lib/postgresql/15/main log"');
  fake(bin, 'pg_ctlcluster', '[ "$4" = start ] && touch "$FAKE_STATE/postgres-up"; exit 0');
  fake(bin, 'redis-cli', '[ -f "$FAKE_STATE/redis-up" ] && echo PONG');
  fake(bin, 'redis-server', 'touch "$FAKE_STATE/redis-up"');
  const node = m.node ?? '24.1.0';
  const nodeStub = (version: string) =>
    `case "$*" in *process.versions.node*) echo ${version.split('.')[0]};; -v) echo v${version};; esac`;
  fake(bin, 'node', nodeStub(node));
  // A Node 24 already in the cache, as scripts/fetch-node.sh leaves it (no download here).
  const cache = join(root, 'cache');
  mkdirSync(join(cache, 'node24/bin'), { recursive: true });
  fake(join(cache, 'node24/bin'), 'node', nodeStub('24.9.9'));
  // pg_hba.conf of the cluster a fresh install creates (postgresql-common reads this root too).
  const pgConf = join(root, 'etc-postgresql');
  mkdirSync(join(pgConf, '15/main'), { recursive: true });
  writeFileSync(
    join(pgConf, '15/main/pg_hba.conf'),
    'local   all   postgres   peer\nhost    all   all   127.0.0.1/32   scram-sha-256\nhost    all   all   ::1/128   scram-sha-256\n',
  );

  const log = join(root, 'calls.log');
  const result = spawnSync('bash', [SCRIPT, ...args], {
    encoding: 'utf8',
    timeout: 60_000,
    env: {
      PATH: `${bin}:/usr/bin:/bin`,
      HOME: root,
      FAKE_LOG: log,
      FAKE_STATE: state,
      PORTICO_NODE_CACHE: cache,
      PG_CLUSTER_CONF_ROOT: pgConf,
    },
  });
  const calls = existsSync(log) ? readFileSync(log, 'utf8').trim().split('\n') : [];
  const hba = readFileSync(join(pgConf, '15/main/pg_hba.conf'), 'utf8');
  return { code: result.status, out: result.stdout, err: result.stderr, calls, hba };
}

/** The calls that change the machine (anything but looking). */
const changes = (calls: string[]) =>
  calls.filter((c) => /^(apt-get|service|pg_ctlcluster|redis-server|sudo -n (?!true))/.test(c));

describe('scripts/test-suite.sh (npm test)', () => {
  it('--check on a ready machine: reports everything present and exits 0', () => {
    const r = run(['--check'], { postgresUp: true, redisUp: true });
    expect(r.err).toBe('');
    expect(r.code).toBe(0);
    expect(r.out).toContain(`packages: all ${ALL_PACKAGES.length} installed`);
    expect(r.out).toContain('postgres: up on 127.0.0.1:5432');
    expect(r.out).toContain('redis: up on 127.0.0.1:6379');
    expect(r.out).toContain('node: v24.1.0');
    expect(changes(r.calls)).toEqual([]);
  });

  it('--check on a fresh machine: names what is missing and down, changes nothing, exits 1', () => {
    const r = run(['--check'], { missing: ['nginx', 'pebble', 'postgresql'], node: '20.20.2' });
    expect(r.code).toBe(1);
    expect(r.out).toContain('packages: missing nginx pebble postgresql');
    expect(r.out).toContain('postgres: down');
    expect(r.out).toContain('redis: down');
    expect(r.out).toContain('node: v20.20.2 is too old; the suite runs on Node 24 from the npm registry');
    expect(changes(r.calls)).toEqual([]);
    expect(r.hba).toContain('scram-sha-256');
  });

  it('without root or sudo: prints the one command to run and stops before anything else', () => {
    const r = run(['--setup'], { missing: ['nginx', 'chromium'], uid: 1000, sudo: false });
    expect(r.code).toBe(2);
    expect(r.err).toContain('not installed: nginx chromium');
    expect(r.err).toContain(
      "sudo sh -c 'apt-get update && apt-get install -y --no-install-recommends nginx chromium'",
    );
    expect(changes(r.calls)).toEqual([]);
    expect(r.out).not.toContain('postgres');
  });

  it('as root on a fresh machine: installs, stops the packaged daemons, trusts loopback, starts Postgres and Redis', () => {
    const r = run(['--setup'], { missing: ['nginx', 'bind9', 'postgresql'] });
    expect(r.err).toBe('');
    expect(r.code).toBe(0);
    expect(changes(r.calls)).toEqual([
      'apt-get update -qq',
      'apt-get install -y -qq --no-install-recommends nginx bind9 postgresql',
      'service nginx stop',
      'service apache2 stop',
      'service ssh stop',
      'service named stop',
      'service bind9 stop',
      'pg_ctlcluster --skip-systemctl-redirect 15 main start',
      'redis-server --daemonize yes --bind 127.0.0.1 --port 6379 --save  --appendonly no',
    ]);
    // The cluster this run created lets the tests in as postgres over loopback, nothing else.
    expect(r.hba).toContain('host    all   all   127.0.0.1/32   trust');
    expect(r.hba).toContain('host    all   all   ::1/128   trust');
    expect(r.hba).toContain('local   all   postgres   peer');
    expect(r.out).toContain('node: v24.1.0');
  });

  it('an existing Postgres keeps its authentication settings', () => {
    const r = run(['--setup'], { missing: ['nginx'], postgresUp: true, redisUp: true });
    expect(r.code).toBe(0);
    expect(r.hba).toContain('scram-sha-256');
    expect(changes(r.calls).filter((c) => !c.startsWith('service'))).toEqual([
      'apt-get update -qq',
      'apt-get install -y -qq --no-install-recommends nginx',
    ]);
  });

  it('with passwordless sudo: installs and starts through sudo', () => {
    const r = run(['--setup'], { missing: ['apache2'], uid: 1000, sudo: true, redisUp: true });
    expect(r.code).toBe(0);
    expect(r.calls).toContain(
      'sudo -n env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends apache2',
    );
    expect(r.calls).toContain('sudo -n pg_ctlcluster --skip-systemctl-redirect 15 main start');
  });

  it('on a Node older than 22: puts Node 24 from the npm registry first in PATH for the suite', () => {
    const r = run(['--setup'], { node: '20.20.2', postgresUp: true, redisUp: true });
    expect(r.code).toBe(0);
    expect(r.out).toContain(`node: v20.20.2 is too old; using v24.9.9 from ${root}/cache/node24/bin`);
  });

  it('as another user, `npm test` says the suite runs as root before doing anything', () => {
    const r = run([], { missing: ['nginx'], uid: 1000, sudo: true });
    expect(r.code).toBe(2);
    expect(r.err).toContain('The end-to-end tests run as root');
    expect(r.err).toContain('sudo npm test');
    expect(changes(r.calls)).toEqual([]);
    expect(run(['--check'], { uid: 1000, postgresUp: true, redisUp: true }).out).toContain('user: not root');
  });

  it('refuses an unknown option', () => {
    const r = run(['--fast']);
    expect(r.code).toBe(64);
    expect(r.err).toContain('usage: npm test');
  });
});
