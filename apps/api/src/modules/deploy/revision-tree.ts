import { posix } from 'node:path';
import type { RenderedFile } from '../render/fleet-state.js';
import { DeployError } from './deploy.error.js';
import type { HostSettings } from './host-settings.js';
import { shellArg as q } from './shell-arg.js';
import type { SshTransport } from './ssh.transport.js';
import { buildManifest, MANIFEST_NAME } from './tree-diff.js';

/**
 * The host side of `<configRoot>`: staging trees, the `live` link, the hook, old revisions.
 * Each method is one remote command (plus SFTP for uploads), so a deploy costs a handful of
 * round trips however many files it has.
 */
export class RevisionTree {
  constructor(
    private readonly transport: SshTransport,
    private readonly settings: HostSettings,
  ) {}

  get root(): string {
    return this.settings.configRoot;
  }

  /**
   * Builds a complete staged tree: unchanged files are copied from the live tree host-side
   * (`cp -p`, no upload), then changed ones and the manifest are uploaded with their modes.
   */
  async stage(stageDir: string, revision: string, files: RenderedFile[], reuse: Set<string>): Promise<void> {
    const dirs = new Set<string>();
    for (const f of files) for (let d = posix.dirname(f.path); d !== '.'; d = posix.dirname(d)) dirs.add(d);
    const lines = [
      'set -e',
      'umask 022',
      `mkdir -p ${q(`${this.root}/revisions`)} ${q(`${this.root}/acme`)}`,
      `rm -rf ${q(stageDir)}`,
      `mkdir -p ${q(stageDir)}`,
      ...[...dirs].sort().map((d) => `mkdir -p ${q(`${stageDir}/${d}`)}`),
    ];
    for (const f of files) {
      if (!reuse.has(f.path)) continue;
      const target = q(`${stageDir}/${f.path}`);
      lines.push(`cp -p ${q(`${this.root}/live/${f.path}`)} ${target}`, `chmod ${octal(f.mode)} ${target}`);
    }
    await this.run(lines, 'preparing the staging tree');
    const manifest = `${JSON.stringify(buildManifest(revision, files), null, 1)}\n`;
    await this.transport.putFiles([
      ...files
        .filter((f) => !reuse.has(f.path))
        .map((f) => ({ path: `${stageDir}/${f.path}`, content: f.content, mode: f.mode })),
      { path: `${stageDir}/${MANIFEST_NAME}`, content: manifest, mode: 0o644 },
    ]);
  }

  /** Moves the staged tree to revisions/<name>, points `live` at it atomically and installs the hook. */
  async switchTo(stageDir: string, name: string, currentHook: string | null, hook: string): Promise<string> {
    const target = `revisions/${name}`;
    await this.run(
      [
        'set -e',
        `cd ${q(this.root)}`,
        `rm -rf ${q(target)}`,
        `mv -T ${q(stageDir)} ${q(target)}`,
        `touch ${q(target)}`,
        ...this.linkLive(target),
        ...(currentHook === hook ? [] : this.writeHook(hook)),
      ],
      'switching live',
    );
    return target;
  }

  /** Points `live` back at previousTarget (or removes it) and puts the hook back as it was. */
  async restore(previousTarget: string | null, previousHook: string | null): Promise<void> {
    await this.run(
      [
        'set -e',
        `cd ${q(this.root)}`,
        ...(previousTarget ? this.linkLive(previousTarget) : ['rm -f live']),
        ...(previousHook === null ? [`rm -f ${q(this.settings.hookPath)}`] : this.writeHook(previousHook)),
      ],
      'restoring the previous revision',
    );
  }

  async discard(dir: string): Promise<void> {
    await this.transport.exec(`rm -rf ${q(dir)}`).catch(() => undefined);
  }

  /**
   * Keeps the newest `keepRevisions` trees besides the live one and removes leftovers of
   * interrupted deploys. Deploys to one agent are serialized by the caller, so no other
   * staging tree can be in use here.
   */
  async prune(liveTarget: string): Promise<string[]> {
    const live = posix.basename(liveTarget);
    const keep = Math.max(1, this.settings.keepRevisions);
    const result = await this.run(
      [
        'set -e',
        `cd ${q(`${this.root}/revisions`)}`,
        `for d in .staging-* .work-*; do [ -e "$d" ] && rm -rf "$d" && echo "$d"; done; true`,
        `ls -1t | grep -vx ${q(live)} | tail -n +${keep + 1} | while read -r d; do rm -rf "$d" && echo "$d"; done`,
      ],
      'pruning old revisions',
    );
    return result.split('\n').filter(Boolean);
  }

  private linkLive(target: string): string[] {
    // rename(2) over the old link is atomic: readers see the old tree or the new one, never none.
    const tmp = `.live-${process.pid}-${Date.now()}`;
    return [`ln -sfn ${q(target)} ${q(tmp)}`, `mv -T ${q(tmp)} live`];
  }

  private writeHook(content: string): string[] {
    const path = this.settings.hookPath;
    // Written beside the hook under a name no *.conf glob matches, then renamed into place.
    const tmp = `${path}.portico-new`;
    return [`printf %s ${q(content)} > ${q(tmp)}`, `chmod 0644 ${q(tmp)}`, `mv -f ${q(tmp)} ${q(path)}`];
  }

  private async run(lines: string[], what: string): Promise<string> {
    const result = await this.transport.exec(lines.join('\n'));
    if (result.code !== 0) {
      throw new DeployError(
        'SSH_FAILED',
        `${this.transport.host}: ${what} failed: ${result.stderr.trim().slice(-1000)}`,
        {
          exitCode: result.code,
        },
      );
    }
    return result.stdout;
  }
}

function octal(mode: number): string {
  return (mode & 0o7777).toString(8).padStart(4, '0');
}
