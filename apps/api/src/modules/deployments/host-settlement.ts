import type { DeployProgress, DeployStep } from '../deploy/deploy-outcome.js';
import { HostDeployer } from '../deploy/host-deployer.js';
import type { HostSettings } from '../deploy/host-settings.js';
import type { HttpCheck } from '../deploy/http-probe.js';
import type { SshTransport } from '../deploy/ssh.transport.js';
import type { RenderedFile } from '../render/fleet-state.js';

/** A complete tree and the checks it must answer. */
export interface SettlementTree {
  revision: number;
  snapshotHash: string;
  files: RenderedFile[];
  checks: HttpCheck[];
}

export interface SettlementRequest {
  /** The tree the interrupted run was deploying. */
  target: SettlementTree;
  /** The agent's last verified tree; null before its first verified deploy. */
  verified: SettlementTree | null;
  /** The run may have got past the switch: the proxy may run something other than the live tree. */
  touched: boolean;
  onProgress?: (event: DeployProgress) => void;
  holdAfter?: (step: DeployStep) => Promise<void>;
}

/**
 * - `verified`: the target's tree is live and now verified;
 * - `restored`: the last verified tree is live again, validated, switched, reloaded and verified;
 * - `untouched`: the run never switched (its work can simply start again), or, when it had got
 *   further, the last verified tree is live again, reloaded and verified;
 * - `stuck`: none of these could be reached; the line says what is live.
 */
export type SettlementEnd = 'verified' | 'restored' | 'untouched' | 'stuck';

export interface Settlement {
  end: SettlementEnd;
  lines: string[];
}

/**
 * Drives a host whose run stopped half-way to a safe end with the deploy protocol itself:
 * whatever is live is verified; when that is not the last verified tree and verification fails
 * (or the live tree is neither), the host returns to the last verified tree through
 * validate → switch → reload → verify. Nothing is reloaded here that is not verified afterwards.
 * The caller holds the agent's lock.
 */
export class HostSettlement {
  private readonly deployer: HostDeployer;

  constructor(transport: SshTransport, settings: HostSettings) {
    this.deployer = new HostDeployer(transport, settings);
  }

  async settle(request: SettlementRequest): Promise<Settlement> {
    const { target, verified } = request;
    const lines: string[] = [];
    const live = await this.deployer.drift(target.files);
    if (live.inSync && live.hookInstalled) {
      const confirmed = await this.deployer.confirmLive({ ...request, checks: target.checks });
      if (confirmed.ok) {
        lines.push(
          `the target's tree (revision ${target.revision}) is live: validated, reloaded and verified ` +
            `(${confirmed.checks.length} checks answered)`,
        );
        return { end: 'verified', lines };
      }
      lines.push(
        `the target's tree (revision ${target.revision}) is live but failed ${confirmed.failure.step}: ` +
          confirmed.failure.message,
      );
      if (verified?.snapshotHash === target.snapshotHash) {
        lines.push('it is also the last verified tree, so there is nothing older to return to');
        return { end: 'stuck', lines };
      }
      return this.restore(request, lines);
    }

    if (!request.touched) {
      // The switch is atomic and the run never got to it: whatever is live, it did not put there.
      lines.push(
        `the target's tree is not live (live revision ${live.liveRevision ?? 'none'}): the run never switched`,
      );
      return { end: 'untouched', lines };
    }
    if (verified && (await this.isLive(verified))) {
      // The dead run was rolling back: the proxy may still run the tree it had switched to.
      const confirmed = await this.deployer.confirmLive({ ...request, checks: verified.checks });
      if (!confirmed.ok) {
        lines.push(
          `the last verified tree (revision ${verified.revision}) is live but failed ` +
            `${confirmed.failure.step}: ${confirmed.failure.message}`,
        );
        return { end: 'stuck', lines };
      }
      lines.push(`the last verified tree (revision ${verified.revision}) is live, reloaded and verified`);
      return { end: 'untouched', lines };
    }

    lines.push(
      `the live tree (revision ${live.liveRevision ?? 'none'}) is neither the target's nor the last ` +
        `verified one (vs the target: changed ${live.changed.length}, missing ${live.missing.length}, ` +
        `extra ${live.extra.length}${live.hookInstalled ? '' : ', hook not installed'})`,
    );
    return this.restore(request, lines);
  }

  private async isLive(tree: SettlementTree): Promise<boolean> {
    const drift = await this.deployer.drift(tree.files);
    return drift.inSync && drift.hookInstalled;
  }

  /** Back to the last verified tree by the deploy protocol, keeping it even if it fails to verify. */
  private async restore(request: SettlementRequest, lines: string[]): Promise<Settlement> {
    const verified = request.verified;
    if (!verified) {
      lines.push('there is no verified tree to return to: the host needs a person');
      return { end: 'stuck', lines };
    }
    const outcome = await this.deployer.deploy({
      revision: String(verified.revision),
      files: verified.files,
      checks: verified.checks,
      restoreOnFailure: false,
      onProgress: request.onProgress,
      holdAfter: request.holdAfter,
    });
    switch (outcome.status) {
      case 'deployed':
      case 'unchanged':
        lines.push(
          `returned to the last verified tree (revision ${verified.revision}): validated, switched, ` +
            'reloaded and verified',
        );
        return { end: 'restored', lines };
      case 'failed':
        lines.push(
          outcome.liveChanged
            ? `the last verified tree (revision ${verified.revision}) is live again but failed ` +
                `${outcome.step}: ${outcome.reason}`
            : `returning to the last verified tree (revision ${verified.revision}) failed in ` +
                `${outcome.step}, before the switch: ${outcome.reason}; the host needs a person`,
        );
        return { end: 'stuck', lines };
      default:
        lines.push(`returning to the last verified tree ended ${outcome.status}: the host needs a person`);
        return { end: 'stuck', lines };
    }
  }
}
