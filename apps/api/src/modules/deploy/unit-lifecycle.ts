import { posix } from 'node:path';
import { DeployError } from './deploy.error.js';
import type { HostSettings, UnitCommands } from './host-settings.js';
import { fillCommand, shellArg as q } from './shell-arg.js';
import type { SshTransport } from './ssh.transport.js';

const UNIT_FILE = /^systemd\/[A-Za-z0-9@_.-]+\.(service|socket|timer|path|target)$/;

/** Which units to link, unlink and restart to go from one tree to another. */
export interface UnitPlan {
  link: string[];
  unlink: string[];
  restart: string[];
}

/** Unit file paths of a tree (`systemd/<unit>`). */
export function unitPaths(paths: Iterable<string>): string[] {
  return [...paths].filter((p) => UNIT_FILE.test(p)).sort();
}

/**
 * Plans the units of a deploy. A unit restarts when any of its files changed: `systemd/x.service`
 * itself or a sibling such as `systemd/x.env`, so an environment change reaches the process.
 */
export function planUnits(desired: string[], linked: string[], changedPaths: string[]): UnitPlan {
  const names = desired.map((p) => posix.basename(p));
  const linkedSet = new Set(linked);
  const touched = (name: string) => {
    const stem = name.replace(/\.[^.]+$/, '');
    return changedPaths.some((p) => p === `systemd/${name}` || p.startsWith(`systemd/${stem}.`));
  };
  return {
    link: names,
    unlink: linked.filter((u) => !names.includes(u)).sort(),
    restart: names.filter((u) => !linkedSet.has(u) || touched(u)),
  };
}

/** The plan that undoes `forward`, given the units that were linked before it. */
export function reversePlan(forward: UnitPlan, previouslyLinked: string[]): UnitPlan {
  const before = new Set(previouslyLinked);
  return {
    link: [...previouslyLinked].sort(),
    unlink: forward.link.filter((u) => !before.has(u)),
    restart: [...forward.restart.filter((u) => before.has(u)), ...forward.unlink].sort(),
  };
}

/** Links Portico's units into systemd (through `live`, so a switch swaps their content too). */
export class UnitLifecycle {
  private readonly commands: UnitCommands | null;

  constructor(
    private readonly transport: SshTransport,
    private readonly settings: HostSettings,
  ) {
    this.commands = settings.units;
  }

  isNoop(plan: UnitPlan): boolean {
    return plan.unlink.length === 0 && plan.restart.length === 0;
  }

  async apply(plan: UnitPlan): Promise<void> {
    const c = this.commands;
    if (!c || this.isNoop(plan)) return;
    const dir = c.unitDir;
    const lines = [
      'set -e',
      // A unit that leaves the tree is stopped while systemd still knows it, then unlinked.
      ...plan.unlink.map((u) => `${fillCommand(c.stop, { unit: u })} || true`),
      ...plan.unlink.map((u) => `rm -f ${q(`${dir}/${u}`)}`),
      ...plan.link.map(
        (u) => `ln -sfn ${q(`${this.settings.configRoot}/live/systemd/${u}`)} ${q(`${dir}/${u}`)}`,
      ),
      c.daemonReload,
      ...plan.restart.map((u) => fillCommand(c.restart, { unit: u })),
    ];
    const result = await this.transport.exec(lines.join('\n'));
    if (result.code !== 0) {
      throw new DeployError('SSH_FAILED', `units: ${(result.stderr || result.stdout).trim().slice(-1000)}`, {
        exitCode: result.code,
      });
    }
  }

  /** Units among `units` that are not active. */
  async inactive(units: string[]): Promise<string[]> {
    const c = this.commands;
    if (!c || units.length === 0) return [];
    const script = units.map((u) => `${fillCommand(c.isActive, { unit: u })} || echo ${q(u)}`).join('\n');
    const result = await this.transport.exec(script);
    return result.stdout.split('\n').filter((u) => units.includes(u));
  }
}
