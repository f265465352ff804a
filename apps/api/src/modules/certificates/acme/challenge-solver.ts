/** One name of an order, as its challenge must answer for it. */
export interface ChallengeTarget {
  name: string;
  wildcard: boolean;
}

/** A step the order records (its `steps` history), with what a person needs to follow it. */
export interface SolverStep {
  step: string;
  detail?: unknown;
}

/**
 * One way of proving control of a name to the CA (RFC 8555 §8): HTTP-01 files on the agents,
 * or DNS-01 TXT records. The order's challenge type (from the request or the site's
 * certificate policy) picks the solver; the runner then asks it to get ready before any order
 * is placed, to present each name's answer before the CA is told to check, and, however the
 * order ends, to clean up.
 */
export interface ChallengeSolver {
  readonly type: string;
  /**
   * Everything that can be checked before the CA is asked, so an order that cannot succeed
   * spends none of the CA's failed-validation allowance. Throws OrderFailure; the step to
   * record when it checked something.
   */
  prepare(domains: string[]): Promise<SolverStep | null>;
  /** Puts the answer where the CA will look for it. */
  present(target: ChallengeTarget, token: string, keyAuthorization: string): Promise<SolverStep>;
  /** Takes back every answer presented and lets go of connections; never throws. */
  cleanup(): Promise<void>;
}
