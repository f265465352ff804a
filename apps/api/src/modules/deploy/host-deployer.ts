import { randomBytes } from 'node:crypto';
import type { RenderedFile } from '../render/fleet-state.js';
import { DeployError } from './deploy.error.js';
import type { DeployOutcome, DeployProgress, DeployStep, DriftReport } from './deploy-outcome.js';
import { HostInventory, type HostSnapshot } from './host-inventory.js';
import { type HostSettings, hookLine } from './host-settings.js';
import { type CheckResult, type HttpCheck, HttpProbe } from './http-probe.js';
import { RevisionTree } from './revision-tree.js';
import type { SshTransport } from './ssh.transport.js';
import { StagedValidation } from './staged-validation.js';
import { errorMessage, StepFailure } from './step-failure.js';
import { clip, StepRunner } from './step-runner.js';
import { checkFileSet, diffTree, isIdentical, type TreeDiff } from './tree-diff.js';
import { planUnits, reversePlan, UnitLifecycle, type UnitPlan, unitPaths } from './unit-lifecycle.js';

export interface DeployRequest {
  /** Revision id; names the tree on the host. */
  revision: string;
  /** The complete tree this host should have. */
  files: RenderedFile[];
  /** Requests the proxy must answer after the reload. */
  checks?: HttpCheck[];
  /** Requests the previous config must answer after a rollback; default: none. */
  rollbackChecks?: HttpCheck[];
  onProgress?: (event: DeployProgress) => void;
  /** Awaited after each step's work, before it is reported; tests stop a run there for good. */
  holdAfter?: (step: DeployStep) => Promise<void>;
  /**
   * false: a failure after the switch leaves the new tree live (outcome `failed` with
   * `liveChanged`) instead of restoring the previous one. Recovery uses it to return a host to its
   * last verified tree: what was live before that is the tree that just failed.
   */
  restoreOnFailure?: boolean;
}

/** What the host runs when its live tree was validated, reloaded and verified in place. */
export type LiveConfirmation = { ok: true; checks: CheckResult[] } | { ok: false; failure: StepFailure };

/**
 * The host protocol for one agent: inspect → stage → validate → switch → reload → verify, and
 * rollback when anything fails after the switch. It knows files and commands, not sites.
 * Deploys to one agent must be serialized by the caller (one lock per agent).
 */
export class HostDeployer {
  private readonly inventory: HostInventory;
  private readonly tree: RevisionTree;
  private readonly validation: StagedValidation;
  private readonly units: UnitLifecycle;
  private readonly probe: HttpProbe;

  constructor(
    private readonly transport: SshTransport,
    private readonly settings: HostSettings,
  ) {
    this.inventory = new HostInventory(transport, settings);
    this.tree = new RevisionTree(transport, settings);
    this.validation = new StagedValidation(transport, settings);
    this.units = new UnitLifecycle(transport, settings);
    this.probe = new HttpProbe(transport, settings.verifyAddress);
  }

  async deploy(request: DeployRequest): Promise<DeployOutcome> {
    const startedAt = Date.now();
    const { revision, files } = request;
    const problems = checkFileSet(revision, files);
    if (problems.length > 0) {
      throw new DeployError('INVALID_DEPLOY_INPUT', `cannot deploy revision ${revision}: ${problems[0]}`, {
        problems,
      });
    }
    const steps = new StepRunner(request.onProgress ?? (() => undefined), request.holdAfter);
    const run = steps.run.bind(steps);
    const elapsed = () => Date.now() - startedAt;
    const hook = hookLine(this.settings);

    let snapshot: HostSnapshot;
    try {
      snapshot = await run(
        'inspect',
        () => this.inventory.read(),
        (s) => `live: ${s.liveTarget ?? 'none'}`,
      );
    } catch (error) {
      const failure = StepFailure.of(error, 'inspect');
      return {
        status: 'failed',
        revision,
        step: 'inspect',
        reason: failure.message,
        code: failure.code,
        durationMs: elapsed(),
      };
    }
    const diff = diffTree(files, snapshot.files);
    const desiredUnits = unitPaths(files.map((f) => f.path));
    const unitPlan = planUnits(desiredUnits, snapshot.linkedUnits, [...diff.changed, ...diff.missing]);
    const unitsInPlace =
      !this.settings.units ||
      (unitPlan.unlink.length === 0 && unitPlan.link.every((u) => snapshot.linkedUnits.includes(u)));
    if (isIdentical(diff) && snapshot.hook === hook && unitsInPlace) {
      // Nothing to deploy, but old trees and leftovers of interrupted runs go all the same.
      if (snapshot.liveTarget && this.needsPruning(snapshot)) {
        const liveTarget = snapshot.liveTarget;
        await run(
          'prune',
          () => this.tree.prune(liveTarget),
          (removed) => `${removed.length} removed`,
        ).catch(() => undefined);
      }
      return {
        status: 'unchanged',
        revision,
        liveRevision: snapshot.manifest?.revision ?? null,
        durationMs: elapsed(),
      };
    }

    const token = `${Date.now().toString(36)}-${randomBytes(3).toString('hex')}`;
    const stageDir = `${this.settings.configRoot}/revisions/.staging-${token}`;
    const reuse = new Set([...diff.unchanged, ...diff.modeChanged]);
    try {
      await run(
        'stage',
        () => this.tree.stage(stageDir, revision, files, reuse),
        () => `${files.length - reuse.size} uploaded, ${reuse.size} copied on the host`,
      );
      const result = await run(
        'validate',
        () =>
          this.validation.run({
            stageDir,
            workDir: `${this.settings.configRoot}/revisions/.work-${token}`,
            currentHook: snapshot.hook,
            unitPaths: desiredUnits,
          }),
        (r) => (r.ok ? 'ok' : r.output.slice(0, 500)),
      );
      if (!result.ok) throw new StepFailure('validate', 'the staged config does not validate', result.output);
    } catch (error) {
      await this.tree.discard(stageDir);
      const failure = StepFailure.of(error, 'stage');
      return {
        status: 'failed',
        revision,
        step: failure.step,
        reason: failure.message,
        validatorOutput: failure.validatorOutput,
        code: failure.code,
        durationMs: elapsed(),
      };
    }

    // From here on the host has changed: any failure ends in a rollback.
    const name = snapshot.liveTarget === `revisions/${revision}` ? `${revision}.${token}` : revision;
    const proxyTouched = snapshot.hook !== hook || touchesProxy(diff);
    let liveTarget: string;
    let checks: CheckResult[] = [];
    try {
      liveTarget = await run(
        'switch',
        () => this.tree.switchTo(stageDir, name, snapshot.hook, hook),
        (t) => t,
      );
      await run(
        'reload',
        () => this.reload(unitPlan, proxyTouched),
        () => (proxyTouched ? 'proxy reloaded' : 'proxy unchanged') + unitSummary(unitPlan),
      );
      checks = await run('verify', () => this.verify(request.checks ?? [], unitPlan.restart), okCount);
    } catch (error) {
      const failure = StepFailure.of(error, 'switch');
      if (request.restoreOnFailure === false) {
        return {
          status: 'failed',
          revision,
          step: failure.step,
          reason: failure.message,
          liveChanged: true,
          durationMs: elapsed(),
        };
      }
      return this.rollBack(request, snapshot, unitPlan, failure, steps, elapsed);
    }

    await run(
      'prune',
      () => this.tree.prune(liveTarget),
      (removed) => `${removed.length} removed`,
    ).catch(
      () => undefined, // old trees left behind are harmless; the next deploy prunes again
    );
    return {
      status: 'deployed',
      revision,
      liveTarget,
      previousTarget: snapshot.liveTarget,
      uploaded: [...diff.changed, ...diff.missing],
      copied: [...reuse].sort(),
      removed: diff.extra,
      restartedUnits: unitPlan.restart,
      checks,
      durationMs: elapsed(),
    };
  }

  /**
   * The live tree as it is: validated in place, the proxy reloaded, the checks answered. For a
   * host whose live tree was switched by a run that never verified it (its instance died).
   */
  async confirmLive(
    request: Pick<DeployRequest, 'checks' | 'onProgress' | 'holdAfter'>,
  ): Promise<LiveConfirmation> {
    const steps = new StepRunner(request.onProgress ?? (() => undefined), request.holdAfter);
    try {
      await steps.run('validate', async () => {
        const result = await this.transport.exec(`( ${this.settings.validateCommand} ) 2>&1`);
        if (result.code !== 0) {
          throw new StepFailure('validate', 'the live config does not validate', clip(result.stdout));
        }
      });
      await steps.run('reload', () => this.reloadProxy());
      const checks = await steps.run('verify', () => this.verify(request.checks ?? [], []), okCount);
      return { ok: true, checks };
    } catch (error) {
      return { ok: false, failure: StepFailure.of(error, 'validate') };
    }
  }

  /** Expected files vs. the live tree, re-hashed on the host. */
  async drift(files: RenderedFile[]): Promise<DriftReport> {
    const snapshot = await this.inventory.read();
    const diff = diffTree(files, snapshot.files);
    const recorded = new Map(snapshot.manifest?.files.map((f) => [f.path, f.sha256]) ?? []);
    const handEdited = [...snapshot.files]
      .filter(([path, state]) => recorded.has(path) && recorded.get(path) !== state.sha256)
      .map(([path]) => path)
      .sort();
    return {
      inSync: isIdentical(diff),
      liveRevision: snapshot.manifest?.revision ?? null,
      changed: diff.changed,
      modeChanged: diff.modeChanged,
      missing: diff.missing,
      extra: diff.extra,
      handEdited,
      hookInstalled: snapshot.hook === hookLine(this.settings),
    };
  }

  /** More trees than keepRevisions besides live, or staging/work leftovers. */
  private needsPruning(snapshot: HostSnapshot): boolean {
    const live = snapshot.liveTarget?.replace(/^revisions\//, '');
    const others = snapshot.revisions.filter((name) => name !== live);
    return (
      others.some((name) => name.startsWith('.staging-') || name.startsWith('.work-')) ||
      others.length > Math.max(1, this.settings.keepRevisions)
    );
  }

  private async reload(plan: UnitPlan, proxyTouched: boolean): Promise<void> {
    // Services first, so a site that starts proxying to a new service finds it running.
    await this.units.apply(plan);
    if (proxyTouched) await this.reloadProxy();
  }

  private async reloadProxy(): Promise<void> {
    const result = await this.transport.exec(this.settings.reloadCommand);
    if (result.code !== 0) {
      throw new StepFailure(
        'reload',
        `reload failed (exit ${result.code}): ${clip(result.stderr || result.stdout)}`,
      );
    }
  }

  private async verify(checks: HttpCheck[], units: string[]): Promise<CheckResult[]> {
    const { settleMs, verifyTimeoutMs } = this.settings;
    const deadline = Date.now() + settleMs + verifyTimeoutMs;
    if (settleMs > 0 && checks.length > 0) await sleep(settleMs);
    const [first, inactive] = await Promise.all([
      this.probe.verify(checks, verifyTimeoutMs),
      this.units.inactive(units),
    ]);
    // A reload is a signal the proxy handles when it gets to it: on a busy host an old worker
    // can still answer the first round with the old config. A second round a settle later
    // reaches the new workers, so a config that broke a site is not taken for a good one.
    let results = first;
    if (first.every((r) => r.ok) && checks.length > 0) {
      await sleep(settleMs);
      results = await this.probe.verify(checks, Math.max(1_000, deadline - Date.now()));
    }
    const failed = results.find((r) => !r.ok);
    if (failed) {
      const c = failed.check;
      const where = `${c.hostHeader} on port ${c.port}${c.path ?? '/'}`;
      throw new StepFailure(
        'verify',
        failed.status ? `${where} answered ${failed.status}` : `${where} did not answer: ${failed.error}`,
      );
    }
    if (inactive.length > 0) throw new StepFailure('verify', `units not active: ${inactive.join(', ')}`);
    return results;
  }

  private async rollBack(
    request: DeployRequest,
    snapshot: HostSnapshot,
    forward: UnitPlan,
    failure: StepFailure,
    steps: StepRunner,
    elapsed: () => number,
  ): Promise<DeployOutcome> {
    const base = { revision: request.revision, step: failure.step, reason: failure.message };
    try {
      const checks = await steps.run(
        'rollback',
        async () => {
          await this.tree.restore(snapshot.liveTarget, snapshot.hook);
          await this.reload(reversePlan(forward, snapshot.linkedUnits), true);
          return this.verify(request.rollbackChecks ?? [], []);
        },
        () => `live: ${snapshot.liveTarget ?? 'none'}`,
      );
      return {
        ...base,
        status: 'rolled_back',
        restoredTarget: snapshot.liveTarget,
        checks,
        durationMs: elapsed(),
      };
    } catch (error) {
      return {
        ...base,
        status: 'rollback_failed',
        rollbackError: errorMessage(error),
        durationMs: elapsed(),
      };
    }
  }
}

function touchesProxy(diff: TreeDiff): boolean {
  const paths = [...diff.changed, ...diff.missing, ...diff.extra, ...diff.modeChanged];
  return paths.some((p) => !p.startsWith('systemd/'));
}

function unitSummary(plan: UnitPlan): string {
  return plan.restart.length + plan.unlink.length === 0
    ? ''
    : `; units restarted: ${plan.restart.join(', ') || 'none'}, removed: ${plan.unlink.join(', ') || 'none'}`;
}

function okCount(results: CheckResult[]): string {
  return `${results.length} checks answered`;
}

function sleep(ms: number): Promise<void> {
  return new Promise((r) => setTimeout(r, ms));
}
