import type { DeployErrorCode } from './deploy.error.js';
import type { DeployStep } from './deploy-outcome.js';

/** A failure inside one deploy step, carrying what the outcome should say about it. */
export class StepFailure extends Error {
  constructor(
    readonly step: DeployStep,
    message: string,
    readonly validatorOutput?: string,
    readonly code?: DeployErrorCode,
  ) {
    super(message);
    this.name = 'StepFailure';
  }

  static of(error: unknown, step: DeployStep): StepFailure {
    return error instanceof StepFailure ? error : new StepFailure(step, errorMessage(error));
  }
}

export function errorMessage(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
