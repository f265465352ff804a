import { DeployError } from './deploy.error.js';
import type { DeployProgress, DeployStep } from './deploy-outcome.js';
import { errorMessage, StepFailure } from './step-failure.js';

/** Runs deploy steps, emitting started/done/failed progress and tagging failures with their step. */
export class StepRunner {
  constructor(
    private readonly emit: (event: DeployProgress) => void,
    /** Awaited after each step's work, before it is reported (a test hook: see DeployRequest). */
    private readonly holdAfter: (step: DeployStep) => Promise<void> = async () => undefined,
  ) {}

  async run<T>(step: DeployStep, fn: () => Promise<T>, detail?: (value: T) => string): Promise<T> {
    const at = Date.now();
    this.emit({ step, status: 'started', at });
    try {
      const value = await fn().finally(() => this.holdAfter(step));
      this.emit({
        step,
        status: 'done',
        at: Date.now(),
        durationMs: Date.now() - at,
        detail: detail?.(value),
      });
      return value;
    } catch (error) {
      const detail = clip(errorMessage(error));
      this.emit({ step, status: 'failed', at: Date.now(), durationMs: Date.now() - at, detail });
      if (error instanceof StepFailure) throw error;
      const code = error instanceof DeployError ? error.code : undefined;
      throw new StepFailure(step, errorMessage(error), undefined, code);
    }
  }
}

/** Keeps the end of long command output, where the error usually is. */
export function clip(text: string, limit = 500): string {
  const t = text.trim();
  return t.length > limit ? `…${t.slice(-limit)}` : t;
}
