/** Minutes to wait after the nth consecutive failure: 1, 2, 5, 10, 30, then hourly. */
export const BACKOFF_MINUTES = [1, 2, 5, 10, 30, 60] as const;

export function backoffDelayMs(failures: number): number {
  const index = Math.min(Math.max(failures, 1), BACKOFF_MINUTES.length) - 1;
  return BACKOFF_MINUTES[index]! * 60_000;
}

export function nextAttemptAt(failures: number, now: Date): Date {
  return new Date(now.getTime() + backoffDelayMs(failures));
}
