import { AppError } from '../../common/errors/app-error.js';

/**
 * Why a render was refused. Stable: automation and the dashboard act on these, so a reason is
 * never renamed, only added.
 */
export type RenderErrorReason =
  /** A route names an upstream that is not in the desired state. */
  | 'ROUTE_UPSTREAM_MISSING'
  /** A route sits under /.well-known/acme-challenge/, which port 80 must keep serving. */
  | 'ROUTE_RESERVED_PATH'
  /** An upstream has no targets, or mixes http and https targets (nginx cannot). */
  | 'UPSTREAM_INVALID'
  /** TLS is on but there is no certificate to serve (uploaded mode without one, unknown id). */
  | 'TLS_CERTIFICATE_MISSING'
  /** The certificate chain is not PEM that parses as X.509. */
  | 'TLS_CERTIFICATE_INVALID'
  /** Two sites on one agent claim the same hostname, or share a file name. */
  | 'SITE_CONFLICT'
  /** An Open WebUI upstream targets the container port instead of the published one (or the reverse). */
  | 'OPENWEBUI_PORT_MISMATCH'
  /** An app's own client timeout is longer than the proxy's, so the proxy would cut it first. */
  | 'APP_TIMEOUT_EXCEEDS_PROXY'
  /** A service option names an upstream that does not exist, or a generic service has no command. */
  | 'SERVICE_INVALID'
  /** A value could not be written safely in the target syntax (defence in depth behind the API). */
  | 'UNSAFE_VALUE';

/** A render the desired state cannot produce; maps to 422 with `details.reason`. */
export class RenderError extends AppError {
  constructor(
    readonly reason: RenderErrorReason,
    message: string,
    context: Record<string, unknown> = {},
  ) {
    super('RENDER_FAILED', message, { reason, ...context });
    this.name = 'RenderError';
  }
}
