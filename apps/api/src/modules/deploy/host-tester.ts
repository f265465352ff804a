import { connect } from 'node:net';
import { posix } from 'node:path';
import { DeployError } from './deploy.error.js';
import type { HostSettings } from './host-settings.js';
import { type OverrideProposal, proposeOverrides, usesSystemctl } from './override-proposal.js';
import { shellArg as q } from './shell-arg.js';
import { type SshTarget, SshTransport } from './ssh.transport.js';

/** Every check the agent test runs, in the order it reports them. */
export const HOST_CHECKS = [
  'reachable',
  'host_key',
  'auth',
  'sudo',
  'proxy_binary',
  'modules',
  'config_root',
  'hook_dir',
  'namespaces',
  'current_config',
  'init_system',
  'reload_command',
  'status_command',
] as const;

export type HostCheckName = (typeof HOST_CHECKS)[number];

export interface HostCheck {
  name: HostCheckName;
  status: 'pass' | 'fail' | 'skipped';
  detail: string;
}

export interface HostTestReport {
  ok: boolean;
  /**
   * Presented fingerprint; on first contact the caller pins it. With a failed `host_key` check it
   * is the key the host offers instead of the pinned one.
   */
  hostKeyFingerprint: string | null;
  firstContact: boolean;
  /** e.g. "1.22.1" or "2.4.62", for the renderer's version-dependent choices. */
  proxyVersion: string | null;
  checks: HostCheck[];
  /** Settings that would work where the current ones cannot (no systemd); null when none needed. */
  proposal: OverrideProposal | null;
}

/** `POST /agents/:id/test`: everything a deploy will need, each reported pass/fail. */
export class HostTester {
  constructor(private readonly settings: HostSettings) {}

  async run(target: SshTarget): Promise<HostTestReport> {
    const settings = this.settings;
    const checks = new Map<HostCheckName, HostCheck>();
    const set = (name: HostCheckName, status: HostCheck['status'], detail: string) =>
      checks.set(name, { name, status, detail });
    // A changed host key: the fingerprint the host presents instead of the pinned one.
    let offered: string | null = null;
    let proposal: OverrideProposal | null = null;
    const report = (transport: SshTransport | null, proxyVersion: string | null): HostTestReport => {
      for (const name of HOST_CHECKS)
        if (!checks.has(name)) set(name, 'skipped', 'not checked: an earlier check failed');
      const list = HOST_CHECKS.map((n) => checks.get(n)!);
      return {
        ok: list.every((c) => c.status !== 'fail'),
        hostKeyFingerprint: transport?.hostKeyFingerprint ?? offered,
        firstContact: transport?.firstContact ?? false,
        proxyVersion,
        checks: list,
        proposal,
      };
    };

    const port = target.port ?? 22;
    const tcp = await tcpReachable(target.host, port, target.connectTimeoutMs ?? 5_000);
    set('reachable', tcp === null ? 'pass' : 'fail', tcp ?? `${target.host}:${port} accepts TCP`);
    if (tcp !== null) return report(null, null);

    let transport: SshTransport;
    try {
      transport = await SshTransport.connect(target);
    } catch (error) {
      const e = error as DeployError;
      if (e.code === 'HOST_KEY_CHANGED') {
        set('host_key', 'fail', e.message);
        const actual = e.details?.actual;
        offered = typeof actual === 'string' ? actual : null;
      } else {
        set('host_key', 'pass', 'presented key accepted');
        set('auth', 'fail', e.message);
      }
      return report(null, null);
    }
    try {
      set(
        'host_key',
        'pass',
        transport.firstContact ? `first contact: ${transport.hostKeyFingerprint}` : 'matches the pinned key',
      );
      set('auth', 'pass', `logged in as ${target.username ?? 'root'}`);
      if (target.useSudo) {
        const sudo = await transport.exec('sudo -n true', { sudo: false });
        set(
          'sudo',
          sudo.code === 0 ? 'pass' : 'fail',
          sudo.code === 0 ? 'sudo -n works' : sudo.stderr.trim(),
        );
        if (sudo.code !== 0) return report(transport, null);
      } else set('sudo', 'skipped', 'not configured');

      const root = settings.configRoot;
      const reloadBinary = settings.reloadCommand.trim().split(/\s+/)[0] ?? '';
      const [version, modules, configRoot, hookDir, ns, current, init, reloadFound, status] =
        await Promise.all([
          transport.exec(`${settings.versionCommand} 2>&1`),
          settings.modulesCommand ? transport.exec(`${settings.modulesCommand} 2>&1`) : null,
          transport.exec(
            `if [ -e ${q(root)} ]; then test -d ${q(root)} -a -w ${q(root)}; else test -w ${q(posix.dirname(root))}; fi`,
          ),
          transport.exec(`test -d ${q(posix.dirname(settings.hookPath))}`),
          transport.exec('unshare -m true 2>&1'),
          transport.exec(`( ${settings.validateCommand} ) 2>&1`),
          transport.exec(
            'if [ -d /run/systemd/system ]; then echo systemd; else cat /proc/1/comm 2>/dev/null || echo unknown; fi',
          ),
          transport.exec(`command -v ${q(reloadBinary)}`),
          transport.exec(`( ${settings.statusCommand} ) 2>&1`),
        ]);

      const proxyVersion = /(?:nginx|Apache|httpd)\/(\d+(?:\.\d+)+)/.exec(version.stdout)?.[1] ?? null;
      const found = version.code === 0 && proxyVersion !== null;
      set(
        'proxy_binary',
        found ? 'pass' : 'fail',
        found ? `${settings.flavor} ${proxyVersion}` : version.stdout.trim(),
      );

      if (modules === null) set('modules', 'skipped', `${settings.flavor} needs no modules`);
      else {
        const loaded = new Set(
          [...modules.stdout.matchAll(/^\s*(\w+) \((?:static|shared)\)/gm)].map((m) => m[1]!),
        );
        const missing = settings.requiredModules.filter((m) => !loaded.has(m) && !loaded.has(`${m}_module`));
        set(
          'modules',
          modules.code === 0 && missing.length === 0 ? 'pass' : 'fail',
          modules.code !== 0
            ? modules.stdout.trim().slice(-500)
            : missing.length
              ? `missing: ${missing.join(', ')}`
              : 'all loaded',
        );
      }
      set(
        'config_root',
        configRoot.code === 0 ? 'pass' : 'fail',
        `${root} ${configRoot.code === 0 ? 'is' : 'is not'} writable`,
      );
      set(
        'hook_dir',
        hookDir.code === 0 ? 'pass' : 'fail',
        `${posix.dirname(settings.hookPath)} ${hookDir.code === 0 ? 'exists' : 'does not exist'}`,
      );
      set(
        'namespaces',
        ns.code === 0 ? 'pass' : 'fail',
        ns.code === 0 ? 'unshare -m works (staged validation)' : `unshare -m failed: ${ns.stdout.trim()}`,
      );
      set('current_config', current.code === 0 ? 'pass' : 'fail', current.stdout.trim().slice(-500));

      // What a deploy runs besides validate: the reload (not run here: a test changes nothing) and
      // the status command, which depend on the init system more than on the proxy.
      const pid1 = init.stdout.trim();
      const systemd = pid1 === 'systemd';
      set('init_system', 'pass', systemd ? 'systemd' : `no systemd (PID 1 is ${pid1 || 'unknown'})`);
      const noSystemd = (command: string) => !systemd && usesSystemctl(command);
      set(
        'reload_command',
        noSystemd(settings.reloadCommand) || reloadFound.code !== 0 ? 'fail' : 'pass',
        noSystemd(settings.reloadCommand)
          ? `"${settings.reloadCommand}" cannot run: this host has no systemd`
          : reloadFound.code !== 0
            ? `"${settings.reloadCommand}": ${reloadBinary} not found`
            : `"${settings.reloadCommand}": ${reloadBinary} found (not run: a test does not reload the proxy)`,
      );
      set(
        'status_command',
        status.code === 0 ? 'pass' : 'fail',
        status.code === 0
          ? `"${settings.statusCommand}" says the proxy runs`
          : `"${settings.statusCommand}" exited ${status.code}${noSystemd(settings.statusCommand) ? ' (this host has no systemd)' : ''}: ${status.stdout.trim().slice(-300)}`,
      );
      proposal = proposeOverrides(settings, systemd);
      return report(transport, proxyVersion);
    } finally {
      transport.close();
    }
  }
}

/** null when host:port accepts a TCP connection, else why not. */
function tcpReachable(host: string, port: number, timeoutMs: number): Promise<string | null> {
  return new Promise((resolve) => {
    const socket = connect({ host, port });
    const done = (result: string | null) => {
      socket.destroy();
      resolve(result);
    };
    socket.setTimeout(timeoutMs, () => done(`${host}:${port}: no answer within ${timeoutMs} ms`));
    socket.once('connect', () => done(null));
    socket.once('error', (e: NodeJS.ErrnoException) => done(`${host}:${port}: ${e.code ?? e.message}`));
  });
}
