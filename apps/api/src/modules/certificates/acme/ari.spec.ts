import { describe, expect, it } from '@jest/globals';
import { parseRenewalInfo, renewalTime, retryAfter, twoThirds } from './ari.js';
import { BACKOFF_MINUTES, backoffDelayMs } from './backoff.js';

const now = new Date('2026-01-01T00:00:00Z');

describe('ARI (RFC 9773) window handling', () => {
  it('parses a suggested window and clamps Retry-After', () => {
    const info = parseRenewalInfo(
      { suggestedWindow: { start: '2026-01-10T00:00:00Z', end: '2026-01-11T00:00:00Z' } },
      '7200',
      now,
    );
    expect(info?.retryAfter.getTime()).toBe(now.getTime() + 7_200_000);
    expect(retryAfter('5', now).getTime()).toBe(now.getTime() + 60_000);
    expect(retryAfter(undefined, now).getTime()).toBe(now.getTime() + 6 * 3_600_000);
    expect(retryAfter(new Date(now.getTime() + 90_000).toUTCString(), now).getTime()).toBe(
      now.getTime() + 90_000,
    );
    expect(parseRenewalInfo({ suggestedWindow: { start: 'x', end: 'y' } }, undefined, now)).toBeNull();
    expect(
      parseRenewalInfo(
        { suggestedWindow: { start: '2026-01-11T00:00:00Z', end: '2026-01-10T00:00:00Z' } },
        undefined,
        now,
      ),
    ).toBeNull();
  });

  it('picks a moment inside the window, or now when the window has passed', () => {
    const info = parseRenewalInfo(
      { suggestedWindow: { start: '2026-01-10T00:00:00Z', end: '2026-01-11T00:00:00Z' } },
      undefined,
      now,
    )!;
    expect(renewalTime(info, now, () => 0).toISOString()).toBe('2026-01-10T00:00:00.000Z');
    expect(renewalTime(info, now, () => 0.5).toISOString()).toBe('2026-01-10T12:00:00.000Z');
    const past = parseRenewalInfo(
      { suggestedWindow: { start: '2025-12-01T00:00:00Z', end: '2025-12-02T00:00:00Z' } },
      undefined,
      now,
    )!;
    expect(renewalTime(past, now)).toEqual(now);
  });

  it('falls back to two thirds of the lifetime', () => {
    expect(twoThirds(new Date('2026-01-01T00:00:00Z'), new Date('2026-04-01T00:00:00Z')).toISOString()).toBe(
      '2026-03-02T00:00:00.000Z',
    );
  });
});

describe('backoff', () => {
  it('waits 1, 2, 5, 10, 30 minutes, then hourly', () => {
    expect([1, 2, 3, 4, 5, 6, 7, 50].map((n) => backoffDelayMs(n) / 60_000)).toEqual([
      1, 2, 5, 10, 30, 60, 60, 60,
    ]);
    expect(BACKOFF_MINUTES.at(-1)).toBe(60);
  });
});
