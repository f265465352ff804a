import type { DeployErrorCode } from './deploy.error.js';
import type { CheckResult } from './http-probe.js';

export type DeployStep =
  | 'inspect'
  | 'stage'
  | 'validate'
  | 'switch'
  | 'reload'
  | 'verify'
  | 'rollback'
  | 'prune';

/** One progress event; the caller adds the agent/deployment ids and forwards it to the event bus. */
export interface DeployProgress {
  step: DeployStep;
  status: 'started' | 'done' | 'failed';
  /** Epoch ms. */
  at: number;
  /** Set on done/failed. */
  durationMs?: number;
  /** Short human-readable evidence (counts, validator output head, failing check). */
  detail?: string;
}

interface OutcomeBase {
  revision: string;
  durationMs: number;
}

/** Every hash and mode already matches and the hook is in place: nothing was touched. */
export interface UnchangedOutcome extends OutcomeBase {
  status: 'unchanged';
  /** Revision recorded in the live manifest (may differ from `revision` when contents are equal). */
  liveRevision: string | null;
}

export interface DeployedOutcome extends OutcomeBase {
  status: 'deployed';
  /** Tree now live, relative to configRoot (`revisions/<name>`). */
  liveTarget: string;
  previousTarget: string | null;
  uploaded: string[];
  copied: string[];
  removed: string[];
  restartedUnits: string[];
  checks: CheckResult[];
}

/** Stopped before the switch: live was never touched (unless `liveChanged`). */
export interface FailedOutcome extends OutcomeBase {
  status: 'failed';
  step: DeployStep;
  reason: string;
  /** Output of nginx -t / apache2 -t / systemd-analyze when validation failed. */
  validatorOutput?: string;
  /** Set when the SSH layer failed (connection lost, timeout). */
  code?: DeployErrorCode;
  /** Failed after the switch with restoreOnFailure false: the new tree stays live. */
  liveChanged?: boolean;
}

/** Failed after the switch; the previous tree is live again and was reloaded and verified. */
export interface RolledBackOutcome extends OutcomeBase {
  status: 'rolled_back';
  step: DeployStep;
  reason: string;
  /** What is live now (null: nothing, first deploy undone). */
  restoredTarget: string | null;
  checks: CheckResult[];
}

/** Failed after the switch and the rollback failed too: the host needs a person. */
export interface RollbackFailedOutcome extends OutcomeBase {
  status: 'rollback_failed';
  step: DeployStep;
  reason: string;
  rollbackError: string;
}

export type DeployOutcome =
  | UnchangedOutcome
  | DeployedOutcome
  | FailedOutcome
  | RolledBackOutcome
  | RollbackFailedOutcome;

/** Expected tree vs. host (deploy's own comparison, for the drift endpoint). */
export interface DriftReport {
  inSync: boolean;
  liveRevision: string | null;
  /** Content differs from what is expected. */
  changed: string[];
  /** Same content, other mode. */
  modeChanged: string[];
  missing: string[];
  extra: string[];
  /** Files whose content no longer matches the live manifest: edited on the host by hand. */
  handEdited: string[];
  hookInstalled: boolean;
}
