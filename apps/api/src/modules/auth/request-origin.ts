import type { IncomingHttpHeaders } from 'node:http';
import { SESSION_COOKIE, TOKEN_PREFIX } from './credentials.js';

/**
 * Whether a browser request comes from Portico's own pages. Browsers send `Origin` on every
 * WebSocket upgrade and every cross-origin or non-GET fetch, and `Sec-Fetch-Site` on every
 * request; a page cannot forge either. Allowed: an Origin whose host is the request's own
 * Host (the dashboard as served), an origin listed in ALLOWED_ORIGINS (a dashboard served
 * elsewhere, a proxy that rewrites Host), or `Sec-Fetch-Site: same-origin` without an Origin.
 */
export function fromAllowedOrigin(headers: IncomingHttpHeaders, allowedOrigins: readonly string[]): boolean {
  const origin = single(headers.origin);
  if (origin === undefined) return single(headers['sec-fetch-site']) === 'same-origin';
  if (allowedOrigins.includes(origin.toLowerCase())) return true;
  const host = single(headers.host)?.toLowerCase();
  try {
    return host !== undefined && new URL(origin).host === host;
  } catch {
    return false; // "null" (sandboxed frames, file: pages) and garbage
  }
}

/**
 * A request a browser authenticates for its user: it carries the session cookie and no API
 * token (a page elsewhere can make the browser send the cookie, never an Authorization header).
 */
export function authenticatedByCookie(headers: IncomingHttpHeaders): boolean {
  const authorization = single(headers.authorization);
  if (authorization?.startsWith(`Bearer ${TOKEN_PREFIX}`)) return false;
  return (single(headers.cookie) ?? '')
    .split(';')
    .some((part) => part.trim().startsWith(`${SESSION_COOKIE}=`));
}

const single = (value: string | string[] | undefined) => (Array.isArray(value) ? value[0] : value);
