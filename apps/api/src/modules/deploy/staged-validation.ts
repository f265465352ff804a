import { posix } from 'node:path';
import { type HostSettings, hookLine } from './host-settings.js';
import { shellArg } from './shell-arg.js';
import type { SshTransport } from './ssh.transport.js';

export interface ValidationResult {
  ok: boolean;
  /** Validator output (proxy, then units), for the operator; trimmed to a readable size. */
  output: string;
}

export interface StagedTree {
  /** Absolute path of the staged revision tree. */
  stageDir: string;
  /** Scratch directory for this deploy, removed afterwards. */
  workDir: string;
  /** Current hook file content on the host (null: absent). */
  currentHook: string | null;
  /** Unit files of the staged tree, relative to it (`systemd/x.service`). */
  unitPaths: string[];
}

const OUTPUT_LIMIT = 8_000;
// systemd-analyze verify exits 0 on unknown keys and sections, which systemd then ignores:
// a unit that silently loses a setting is a broken unit, so those warnings fail validation.
const UNIT_WARNING = /Unknown (key|section|lvalue)|Failed to parse|Invalid |bad-setting|Missing '='/i;

/**
 * Validates a staged tree exactly as the host would load it once `live` points there.
 *
 * Staged files refer to each other through `<configRoot>/live/…`, and the host's own validate
 * command reads the host's whole config (which reaches Portico's tree through the hook). Rewriting
 * the staged copy would test different bytes from the ones that go live and cannot redirect a
 * host-specific validate command; so instead the validator runs in a private mount namespace
 * where `<configRoot>` shows a view whose `live` is the staged tree (and the hook is installed),
 * while everything outside that namespace, including the running proxy, keeps seeing the real
 * live tree. This needs root (or sudo) and `unshare`, which a host Portico manages has anyway.
 */
export class StagedValidation {
  constructor(
    private readonly transport: SshTransport,
    private readonly settings: HostSettings,
  ) {}

  async run(tree: StagedTree): Promise<ValidationResult> {
    const { outer, inner } = StagedValidation.scripts(this.settings, tree);
    const result = await this.transport.exec(outer, { stdin: inner });
    return StagedValidation.parse(result.stdout, result.stderr, result.code);
  }

  static scripts(settings: HostSettings, tree: StagedTree): { outer: string; inner: string } {
    const root = settings.configRoot;
    const w = tree.workDir;
    const q = shellArg;
    const want = hookLine(settings);
    const hookDir = posix.dirname(settings.hookPath);

    const inner: string[] = [
      'set -e',
      // util-linux defaults to private propagation; said again so no mount can leak to the host.
      'mount --make-rprivate /',
      `mount --bind ${q(tree.stageDir)} ${q(`${w}/view/live`)}`,
      `if [ -d ${q(`${root}/acme`)} ]; then mount --bind ${q(`${root}/acme`)} ${q(`${w}/view/acme`)}; fi`,
    ];
    if (tree.currentHook !== want) {
      if (tree.currentHook !== null) {
        inner.push(
          `mount --bind ${q(`${w}/hook/${posix.basename(settings.hookPath)}`)} ${q(settings.hookPath)}`,
        );
      } else {
        // A file that does not exist cannot be a mount point: show a copy of its directory instead.
        inner.push(
          `cp -a ${q(`${hookDir}/.`)} ${q(`${w}/hook/`)}`,
          `printf %s ${q(want)} > ${q(`${w}/hook/${posix.basename(settings.hookPath)}`)}`,
          `mount --bind ${q(`${w}/hook`)} ${q(hookDir)}`,
        );
      }
    }
    inner.push(`mount --rbind ${q(`${w}/view`)} ${q(root)}`, 'set +e', 'echo @@proxy');
    inner.push(`( ${settings.validateCommand} ) 2>&1; echo "@@rc $?"`);
    if (settings.unitVerifyCommand && tree.unitPaths.length > 0) {
      const units = tree.unitPaths.map((p) => q(`${root}/live/${p}`)).join(' ');
      inner.push('echo @@units', `( ${settings.unitVerifyCommand} ${units} ) 2>&1; echo "@@rc $?"`);
    }

    const outer = [
      'set -e',
      `rm -rf ${q(w)}`,
      `mkdir -p ${q(`${w}/view/live`)} ${q(`${w}/view/acme`)} ${q(`${w}/hook`)}`,
      tree.currentHook !== null && tree.currentHook !== want
        ? `printf %s ${q(want)} > ${q(`${w}/hook/${posix.basename(settings.hookPath)}`)}`
        : 'true',
      tree.currentHook === null
        ? `[ -d ${q(hookDir)} ] || { echo "hook directory ${hookDir} does not exist" >&2; exit 3; }`
        : 'true',
      'set +e',
      'unshare -m sh -s; rc=$?',
      `rm -rf ${q(w)}`,
      'exit $rc',
    ].join('\n');
    return { outer, inner: `${inner.join('\n')}\n` };
  }

  static parse(stdout: string, stderr: string, code: number): ValidationResult {
    const proxyAt = stdout.indexOf('@@proxy\n');
    if (proxyAt < 0) {
      return {
        ok: false,
        output: clip(`validation could not run (exit ${code}): ${stderr}${stdout}`.trim()),
      };
    }
    const body = stdout.slice(proxyAt + '@@proxy\n'.length);
    const [proxyPart = '', unitPart] = body.split('@@units\n');
    const proxy = splitRc(proxyPart);
    const units = unitPart === undefined ? null : splitRc(unitPart);
    const unitWarnings = units
      ? units.text.split('\n').filter((l) => UNIT_WARNING.test(l) && l.includes('/live/'))
      : [];
    const ok = proxy.rc === 0 && (units === null || (units.rc === 0 && unitWarnings.length === 0));
    const output = [proxy.text.trim(), units ? units.text.trim() : ''].filter(Boolean).join('\n');
    return { ok, output: clip(output) };
  }
}

function splitRc(part: string): { text: string; rc: number } {
  const m = /@@rc (\d+)\s*$/.exec(part);
  return m ? { text: part.slice(0, m.index), rc: Number(m[1]) } : { text: part, rc: -1 };
}

function clip(text: string): string {
  return text.length > OUTPUT_LIMIT ? `…${text.slice(-OUTPUT_LIMIT)}` : text;
}
