import type { RequestHandler } from 'express';
import helmet from 'helmet';

/** The Swagger UI page ships inline styles and data: images; only its own path gets them. */
export const API_DOCS_PATH = '/api/docs';

/**
 * The dashboard's policy: everything from this origin only (its scripts, styles, fetches and
 * the WebSocket), nothing inline, never inside a frame. Helmet's HSTS is left to the TLS
 * proxy in front (Portico itself often answers plain HTTP on a private network), and
 * upgrade-insecure-requests would break exactly that set-up.
 */
const dashboardDirectives = {
  defaultSrc: ["'self'"],
  baseUri: ["'self'"],
  connectSrc: ["'self'"],
  fontSrc: ["'self'", 'data:'],
  formAction: ["'self'"],
  frameAncestors: ["'none'"],
  imgSrc: ["'self'", 'data:'],
  objectSrc: ["'none'"],
  scriptSrc: ["'self'"],
  scriptSrcAttr: ["'none'"],
  styleSrc: ["'self'"],
  upgradeInsecureRequests: null,
};

const docsDirectives = {
  ...dashboardDirectives,
  imgSrc: ["'self'", 'data:', 'https:'],
  styleSrc: ["'self'", "'unsafe-inline'"],
};

function headers(directives: typeof dashboardDirectives): RequestHandler {
  return helmet({
    contentSecurityPolicy: { useDefaults: false, directives },
    frameguard: { action: 'deny' },
    referrerPolicy: { policy: 'no-referrer' },
    strictTransportSecurity: false,
  });
}

/** Security headers on every response (docs/operations.md, "HTTP headers"). */
export function securityHeaders(): RequestHandler {
  const dashboard = headers(dashboardDirectives);
  const docs = headers(docsDirectives);
  return (req, res, next) => (req.path.startsWith(API_DOCS_PATH) ? docs : dashboard)(req, res, next);
}
