import { Injectable } from '@nestjs/common';
import { AppError } from '../../common/errors/app-error.js';
import { AppConfig } from '../../config/app-config.js';

interface Failures {
  count: number;
  /** No attempt on this account before this moment (ms since epoch). */
  until: number;
  last: number;
}

/** Beyond this many tracked accounts, entries whose backoff is long over are dropped. */
const PRUNE_ABOVE = 10_000;

/**
 * Per-account backoff for logins, beside the per-address limit (ThrottlerGuard on the client
 * address, which TRUST_PROXY makes the real client's behind a proxy). After a few free failures
 * every further failure doubles the wait before that account may be tried again, up to a cap, so
 * guessing one account is slowed whatever addresses it comes from, and hammering one account
 * delays that account only, never the others. Kept per instance, in memory: several instances
 * each allow their own free attempts (docs/operations.md).
 */
@Injectable()
export class LoginBackoff {
  private readonly accounts = new Map<string, Failures>();

  constructor(private readonly config: AppConfig) {}

  /** Throws RATE_LIMITED (with retryAfterSec) while the account is in backoff. */
  assertAllowed(email: string, now = Date.now()): void {
    const entry = this.accounts.get(email);
    if (!entry || entry.until <= now) return;
    const retryAfterSec = Math.ceil((entry.until - now) / 1000);
    throw new AppError(
      'RATE_LIMITED',
      `Too many failed logins for this account; try again in ${retryAfterSec} s`,
      { retryAfterSec },
    );
  }

  failed(email: string, now = Date.now()): void {
    const { freeAttempts, maxBackoffMs } = this.config.loginBackoff;
    const count = (this.accounts.get(email)?.count ?? 0) + 1;
    const over = count - freeAttempts;
    const wait = over > 0 ? Math.min(maxBackoffMs, 1000 * 2 ** (over - 1)) : 0;
    this.accounts.set(email, { count, until: now + wait, last: now });
    if (this.accounts.size > PRUNE_ABOVE) this.prune(now);
  }

  succeeded(email: string): void {
    this.accounts.delete(email);
  }

  private prune(now: number): void {
    const stale = 2 * this.config.loginBackoff.maxBackoffMs;
    for (const [email, entry] of this.accounts) {
      if (entry.until <= now && now - entry.last > stale) this.accounts.delete(email);
    }
  }
}
