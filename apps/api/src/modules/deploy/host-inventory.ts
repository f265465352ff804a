import { DeployError } from './deploy.error.js';
import type { HostSettings } from './host-settings.js';
import { shellArg } from './shell-arg.js';
import type { SshTransport } from './ssh.transport.js';
import { type HostFileState, MANIFEST_NAME, type RevisionManifest } from './tree-diff.js';

/** What Portico finds on a host before it changes anything. */
export interface HostSnapshot {
  /** Target of `live` as stored in the link (`revisions/12`); null before the first deploy. */
  liveTarget: string | null;
  /** Manifest of the live tree; null when absent or unreadable. */
  manifest: RevisionManifest | null;
  /** Every regular file of the live tree, re-hashed now (hand edits show up here). */
  files: Map<string, HostFileState>;
  /** Current content of the hook file; null when absent. */
  hook: string | null;
  /** Names under revisions/ (trees, and staging leftovers of interrupted deploys). */
  revisions: string[];
  /** Unit file names linked into the unit dir from `<configRoot>/live/systemd/`. */
  linkedUnits: string[];
}

/**
 * Reads a host's Portico state in one round trip: a no-op deploy of a whole fleet costs one
 * command per host. Files are re-hashed on the host rather than trusted from the manifest.
 */
export class HostInventory {
  constructor(
    private readonly transport: SshTransport,
    private readonly settings: HostSettings,
  ) {}

  async read(): Promise<HostSnapshot> {
    const result = await this.transport.exec(HostInventory.script(this.settings));
    if (result.code !== 0 || !result.stdout.includes('@@end')) {
      throw new DeployError('SSH_FAILED', `${this.transport.host}: reading the host state failed`, {
        stderr: result.stderr.slice(-2000),
      });
    }
    return HostInventory.parse(result.stdout);
  }

  static script(settings: HostSettings): string {
    const root = shellArg(settings.configRoot);
    const live = shellArg(`${settings.configRoot}/live/`);
    const hook = shellArg(settings.hookPath);
    const notManifest = `! -path ${shellArg(`./${MANIFEST_NAME}`)}`;
    const units = settings.units
      ? `for l in ${shellArg(settings.units.unitDir)}/*; do
  [ -L "$l" ] || continue
  case "$(readlink "$l")" in ${shellArg(`${settings.configRoot}/live/systemd/`)}*) echo "\${l##*/}";; esac
done`
      : '';
    return `echo @@live; readlink ${root}/live 2>/dev/null || true
echo @@revisions; ls -1A ${root}/revisions 2>/dev/null || true
echo @@manifest; cat ${live}${MANIFEST_NAME} 2>/dev/null | base64 | tr -d '\\n'; echo
echo @@hashes; if [ -d ${live} ]; then (cd ${live} && find . -type f ${notManifest} -exec sha256sum {} +); fi
echo @@modes; if [ -d ${live} ]; then (cd ${live} && find . -type f ${notManifest} -exec stat -c '%a %n' {} +); fi
echo @@hook; if [ -f ${hook} ]; then base64 < ${hook} | tr -d '\\n'; echo; else echo -; fi
echo @@units
${units}
echo @@end`;
  }

  static parse(stdout: string): HostSnapshot {
    const sections = new Map<string, string[]>();
    let current: string[] = [];
    for (const line of stdout.split('\n')) {
      const header = /^@@(\w+)$/.exec(line);
      if (header) {
        current = [];
        sections.set(header[1]!, current);
      } else if (line !== '') current.push(line);
    }
    const lines = (name: string) => sections.get(name) ?? [];

    const hashes = new Map<string, string>();
    for (const line of lines('hashes')) {
      const m = /^([0-9a-f]{64}) [ *]\.\/(.+)$/.exec(line);
      if (m) hashes.set(m[2]!, m[1]!);
    }
    const files = new Map<string, HostFileState>();
    for (const line of lines('modes')) {
      const m = /^([0-7]+) \.\/(.+)$/.exec(line);
      const sha = m && hashes.get(m[2]!);
      if (m && sha) files.set(m[2]!, { sha256: sha, mode: Number.parseInt(m[1]!, 8) });
    }

    const hookLine = lines('hook')[0];
    const manifestText = lines('manifest')[0];
    return {
      liveTarget: lines('live')[0] ?? null,
      manifest: manifestText ? parseManifest(Buffer.from(manifestText, 'base64').toString('utf8')) : null,
      files,
      hook:
        hookLine === undefined || hookLine === '-' ? null : Buffer.from(hookLine, 'base64').toString('utf8'),
      revisions: lines('revisions'),
      linkedUnits: lines('units'),
    };
  }
}

function parseManifest(text: string): RevisionManifest | null {
  try {
    const value = JSON.parse(text) as RevisionManifest;
    return typeof value.revision === 'string' && Array.isArray(value.files) ? value : null;
  } catch {
    return null;
  }
}
