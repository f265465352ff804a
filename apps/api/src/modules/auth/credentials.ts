import { createHash, randomBytes } from 'node:crypto';

/** Random bearer secrets (session cookies, API tokens) are stored only as their SHA-256. */
export function newSecret(prefix: string): string {
  return `${prefix}${randomBytes(32).toString('base64url')}`;
}

export function hashSecret(secret: string): string {
  return createHash('sha256').update(secret).digest('hex');
}

export const SESSION_COOKIE = 'portico_session';
export const TOKEN_PREFIX = 'ptk_';
