import { AppError } from '../../common/errors/app-error.js';
import type { DeployOutcome } from '../deploy/deploy-outcome.js';
import type { CheckResult } from '../deploy/http-probe.js';

export type FinalTargetStatus = 'succeeded' | 'unchanged' | 'failed' | 'rolled_back';
export type FinalDeploymentStatus = 'succeeded' | 'succeeded_with_warnings' | 'partially_failed' | 'failed';

/** The proxy answered, its backend did not: verify passes, the result says so. */
const UPSTREAM_ERRORS = new Set([502, 503, 504]);

/** How one target ended, in the words the API stores: status, an error line, log lines to append. */
export interface TargetResult {
  status: FinalTargetStatus;
  /** `CODE: …` or `<step>: …`; null when the target converged. */
  error: string | null;
  /** Converged, but some check got an upstream error (502/503/504): which, in one line. */
  warning?: string | null;
  log: string[];
}

/** The engine's outcome for one host as a target result. */
export function resultOfOutcome(outcome: DeployOutcome): TargetResult {
  switch (outcome.status) {
    case 'unchanged':
      return {
        status: 'unchanged',
        error: null,
        log: [`unchanged: every file already matches (live revision ${outcome.liveRevision ?? 'unknown'})`],
      };
    case 'deployed':
      return {
        status: 'succeeded',
        error: null,
        warning: upstreamWarning(outcome.checks),
        log: [
          `deployed ${outcome.liveTarget} (previous: ${outcome.previousTarget ?? 'none'}): ` +
            `${outcome.uploaded.length} uploaded, ${outcome.copied.length} copied, ${outcome.removed.length} removed` +
            (outcome.restartedUnits.length ? `, units restarted: ${outcome.restartedUnits.join(', ')}` : ''),
          ...outcome.checks.map(
            (c) =>
              `check ${c.check.hostHeader}:${c.check.port}${c.check.path ?? '/'} -> ${c.status}` +
              (c.status && UPSTREAM_ERRORS.has(c.status)
                ? ' (upstream error: the backend did not answer)'
                : ''),
          ),
        ],
      };
    case 'failed':
      return {
        status: 'failed',
        error: `${outcome.code ? `${outcome.code}: ` : ''}${outcome.step}: ${outcome.reason}`,
        log: [
          outcome.liveChanged
            ? `failed in step ${outcome.step} after the switch, the new tree stays live: ${outcome.reason}`
            : `failed in step ${outcome.step}, live config untouched: ${outcome.reason}`,
          ...(outcome.validatorOutput ? ['validator output:', outcome.validatorOutput.trimEnd()] : []),
        ],
      };
    case 'rolled_back':
      return {
        status: 'rolled_back',
        error: `${outcome.step}: ${outcome.reason}`,
        log: [
          `failed in step ${outcome.step} after the switch: ${outcome.reason}`,
          `rolled back to ${outcome.restoredTarget ?? 'nothing (first deploy undone)'}, reloaded and verified`,
        ],
      };
    case 'rollback_failed':
      return {
        status: 'failed',
        error: `ROLLBACK_FAILED: ${outcome.step}: ${outcome.reason}; the rollback failed too: ${outcome.rollbackError}`,
        log: [
          `failed in step ${outcome.step} after the switch: ${outcome.reason}`,
          `ROLLBACK FAILED: ${outcome.rollbackError} - the host needs a person`,
        ],
      };
  }
}

/** A failure outside the engine's protocol: connecting, the host key, a timeout, a bug. */
export function resultOfError(error: unknown): TargetResult {
  const message = error instanceof Error ? error.message : String(error);
  const code =
    error instanceof AppError
      ? error.code
      : (error as { code?: unknown } | null)?.code === 'SSH_TIMEOUT'
        ? 'SSH_TIMEOUT'
        : 'INTERNAL';
  return { status: 'failed', error: `${code}: ${message}`, log: [`failed: ${code}: ${message}`] };
}

/** `upstream errors: <host>:<port><path> answered 502, …`, or null when every check was clean. */
export function upstreamWarning(checks: readonly CheckResult[]): string | null {
  const bad = checks.filter((c) => c.status !== undefined && UPSTREAM_ERRORS.has(c.status));
  if (bad.length === 0) return null;
  const each = bad.map(
    (c) => `${c.check.hostHeader}:${c.check.port}${c.check.path ?? '/'} answered ${c.status}`,
  );
  return `upstream errors: ${each.join(', ')} (the proxy serves the new config; its backend did not answer)`;
}

/**
 * succeeded when every target converged (succeeded_with_warnings when some saw upstream errors),
 * failed when none did, partially_failed otherwise.
 */
export function deploymentStatusOf(
  targets: readonly (string | { status: string; warning?: string | null })[],
): FinalDeploymentStatus {
  const rows = targets.map((t) => (typeof t === 'string' ? { status: t, warning: null } : t));
  const good = rows.filter((t) => t.status === 'succeeded' || t.status === 'unchanged');
  if (good.length === rows.length)
    return good.some((t) => t.warning) ? 'succeeded_with_warnings' : 'succeeded';
  return good.length === 0 ? 'failed' : 'partially_failed';
}

export function isOpen(status: string): boolean {
  return status === 'pending' || status === 'running';
}
