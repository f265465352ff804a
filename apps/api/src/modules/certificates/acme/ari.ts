import { X509Certificate } from 'node:crypto';
import { ariParts } from './der.js';

/** RFC 9773 §4.1: base64url(AKI keyIdentifier) "." base64url(serial DER bytes), no padding. */
export function ariCertId(certPem: string): string | null {
  const { serial, keyIdentifier } = ariParts(new X509Certificate(certPem).raw);
  if (!keyIdentifier) return null;
  return `${keyIdentifier.toString('base64url')}.${serial.toString('base64url')}`;
}

export interface RenewalInfo {
  suggestedWindow: { start: Date; end: Date };
  explanationURL?: string;
  /** From Retry-After; when to ask again. */
  retryAfter: Date;
}

const DEFAULT_RETRY_SEC = 6 * 3600;
const MIN_RETRY_SEC = 60;
const MAX_RETRY_SEC = 24 * 3600;

/** Retry-After as seconds or an HTTP date, clamped to a sane range (RFC 9773 §4.3.3). */
export function retryAfter(header: string | undefined | null, now: Date): Date {
  let seconds = DEFAULT_RETRY_SEC;
  if (header) {
    if (/^\d+$/.test(header.trim())) seconds = Number(header.trim());
    else {
      const at = Date.parse(header);
      if (!Number.isNaN(at)) seconds = Math.round((at - now.getTime()) / 1000);
    }
  }
  seconds = Math.min(MAX_RETRY_SEC, Math.max(MIN_RETRY_SEC, seconds));
  return new Date(now.getTime() + seconds * 1000);
}

/** Parses a renewalInfo response body; null when it is not a usable RFC 9773 document. */
export function parseRenewalInfo(
  body: unknown,
  retryAfterHeader: string | undefined,
  now: Date,
): RenewalInfo | null {
  const window = (body as { suggestedWindow?: { start?: unknown; end?: unknown } })?.suggestedWindow;
  if (!window || typeof window.start !== 'string' || typeof window.end !== 'string') return null;
  const start = new Date(window.start);
  const end = new Date(window.end);
  if (Number.isNaN(start.getTime()) || Number.isNaN(end.getTime()) || end < start) return null;
  const explanation = (body as { explanationURL?: unknown }).explanationURL;
  return {
    suggestedWindow: { start, end },
    explanationURL: typeof explanation === 'string' ? explanation : undefined,
    retryAfter: retryAfter(retryAfterHeader, now),
  };
}

/**
 * A moment inside the suggested window, chosen uniformly at random (RFC 9773 §4.2) so a fleet
 * does not renew all at once; a window that has passed means now.
 */
export function renewalTime(info: RenewalInfo, now: Date, random = Math.random): Date {
  const { start, end } = info.suggestedWindow;
  if (end <= now) return now;
  const from = Math.max(start.getTime(), now.getTime());
  return new Date(from + random() * (end.getTime() - from));
}

/** Without ARI: two thirds into the certificate's lifetime. */
export function twoThirds(notBefore: Date, notAfter: Date): Date {
  return new Date(notBefore.getTime() + ((notAfter.getTime() - notBefore.getTime()) * 2) / 3);
}
