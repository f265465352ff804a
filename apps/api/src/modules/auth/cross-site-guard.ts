import { Logger } from '@nestjs/common';
import type { NextFunction, Request, Response } from 'express';
import { ERROR_STATUS, type ErrorCode } from '../../common/errors/app-error.js';
import { authenticatedByCookie, fromAllowedOrigin } from './request-origin.js';

const SAFE_METHODS = new Set(['GET', 'HEAD', 'OPTIONS']);
const logger = new Logger('CrossSiteGuard');

/** What every state-changing route reads: JSON. A form can send none of these. */
const JSON_TYPES = ['application/json'];

/**
 * Routes that also take a document in another type, which an HTML form can likewise not send
 * (a form sends only x-www-form-urlencoded, multipart/form-data and text/plain).
 */
const EXTRA_TYPES: Record<string, readonly string[]> = {
  '/api/v1/apply': ['application/yaml', 'application/x-yaml'],
  '/api/v1/restore': ['application/octet-stream'],
};

/**
 * Cross-site request forgery, refused before anything is parsed (docs/api.md, "Browsers and
 * CSRF"): a state-changing request must carry a type a form cannot send, and one the session
 * cookie authenticates must come from an allowed origin. API tokens are never sent by a
 * browser on its own, so bearer requests only meet the type rule. Plain Express middleware
 * (it runs before the body parsers), so it answers in the error filter's shape itself.
 */
export function crossSiteGuard(allowedOrigins: readonly string[]) {
  return (req: Request, res: Response, next: NextFunction): void => {
    const refusal = SAFE_METHODS.has(req.method) ? null : refusalOf(req, allowedOrigins);
    if (!refusal) {
      next();
      return;
    }
    const status = ERROR_STATUS[refusal.code];
    // Answered before the request logger runs, so the refusal is logged here (no query string).
    logger.warn(
      { method: req.method, path: req.path, code: refusal.code, origin: req.headers.origin },
      'request refused by the CSRF rule',
    );
    res.status(status).json({ statusCode: status, ...refusal });
  };
}

function refusalOf(
  req: Request,
  allowedOrigins: readonly string[],
): { code: ErrorCode; message: string } | null {
  const accepted = [...JSON_TYPES, ...(EXTRA_TYPES[req.path] ?? [])];
  const type = req.headers['content-type']?.split(';')[0]?.trim().toLowerCase();
  const hasBody =
    type !== undefined ||
    Number(req.headers['content-length'] ?? 0) > 0 ||
    'transfer-encoding' in req.headers;
  if (hasBody && !(type && accepted.includes(type))) {
    return {
      code: 'UNSUPPORTED_MEDIA_TYPE',
      message: `This route takes ${accepted.join(', ')}, not ${type ?? 'an untyped body'}`,
    };
  }
  if (authenticatedByCookie(req.headers) && !fromAllowedOrigin(req.headers, allowedOrigins)) {
    return {
      code: 'CROSS_SITE_REQUEST',
      message:
        'A request made with the session cookie must come from the dashboard itself (Origin); scripts use an API token',
    };
  }
  return null;
}
