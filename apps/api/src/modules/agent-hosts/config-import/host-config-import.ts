import { DeployError } from '../../deploy/deploy.error.js';
import type { HostSettings } from '../../deploy/host-settings.js';
import { shellArg } from '../../deploy/shell-arg.js';
import type { SshTransport } from '../../deploy/ssh.transport.js';
import { ApacheConfigParser } from './apache-config.parser.js';
import type { ImportedFile, ImportProposal } from './import-proposal.js';
import { NginxConfigParser } from './nginx-config.parser.js';

/** Largest file read: site configs are small, anything bigger is not a site config. */
const MAX_FILE_BYTES = 1_000_000;

/**
 * Reads a host's hand-written site configs (importDirs) and proposes Portico objects from them.
 * It belongs to agent-hosts, not deploy: it reads a host Portico does not manage yet and
 * changes nothing, so it uses the host protocol's transport but is no step of it.
 */
export class HostConfigImport {
  constructor(
    private readonly transport: SshTransport,
    private readonly settings: HostSettings,
  ) {}

  /** Hand-written site configs from the import dirs, and what Portico would make of them. */
  async run(): Promise<{ files: ImportedFile[]; proposal: ImportProposal }> {
    const files = await this.read();
    return { files, proposal: this.propose(files) };
  }

  /** Raw text of every regular file (or link to one) directly in the import dirs. */
  async read(): Promise<ImportedFile[]> {
    const dirs = this.settings.importDirs.map(shellArg).join(' ');
    const script = `for d in ${dirs}; do
  for f in "$d"/*; do
    [ -f "$f" ] || continue
    case "$f" in *.dpkg-*|*~|*.bak|*.swp) continue;; esac
    [ "$(wc -c < "$f")" -le ${MAX_FILE_BYTES} ] || continue
    printf '@@file %s\\n' "$f"; base64 < "$f" | tr -d '\\n'; echo
  done
done`;
    const result = await this.transport.exec(script);
    if (result.code !== 0) {
      throw new DeployError(
        'SSH_FAILED',
        `${this.transport.host}: reading configs failed: ${result.stderr.trim()}`,
      );
    }
    const files: ImportedFile[] = [];
    const lines = result.stdout.split('\n');
    for (let i = 0; i < lines.length; i++) {
      const m = /^@@file (.+)$/.exec(lines[i]!);
      if (m) files.push({ path: m[1]!, content: Buffer.from(lines[i + 1] ?? '', 'base64').toString('utf8') });
    }
    return files;
  }

  /** Sites and upstreams the files describe, plus what could not be mapped. */
  propose(files: ImportedFile[]): ImportProposal {
    return this.settings.flavor === 'nginx'
      ? new NginxConfigParser().parse(files)
      : new ApacheConfigParser().parse(files);
  }
}
