/** Stable error codes: automation acts on these, the filter maps them to HTTP statuses. */
export const ERROR_STATUS = {
  VALIDATION_FAILED: 400,
  UNAUTHENTICATED: 401,
  INVALID_CREDENTIALS: 401,
  FORBIDDEN: 403,
  /** A cookie-authenticated change from a page that is not the dashboard (CSRF). */
  CROSS_SITE_REQUEST: 403,
  NOT_FOUND: 404,
  NAME_TAKEN: 409,
  HOSTNAME_TAKEN: 409,
  VERSION_CONFLICT: 409,
  IN_USE: 409,
  PAYLOAD_TOO_LARGE: 413,
  UNSUPPORTED_MEDIA_TYPE: 415,
  PRECONDITION_REQUIRED: 428,
  RENDER_FAILED: 422,
  /** A write would break a rule that spans objects (modules/desired-state/fleet-invariants). */
  INVARIANT_VIOLATED: 422,
  CERTIFICATE_REJECTED: 400,
  DNS01_REQUIRED: 422,
  ACME_NOT_READY: 422,
  ORDER_IN_PROGRESS: 409,
  ACME_FAILED: 502,
  RATE_LIMITED: 429,
  // Backup and restore (modules/backup).
  BACKUP_INVALID: 400,
  BACKUP_INCOMPATIBLE: 422,
  RESTORE_NOT_EMPTY: 409,
  RESTORE_INVALID: 422,
  // Talking to agent hosts (DeployError) and running deployments.
  INVALID_DEPLOY_INPUT: 400,
  HOST_KEY_CHANGED: 409,
  HOST_KEY_NOT_OFFERED: 409,
  AGENT_BUSY: 409,
  AGENT_KEY_MISSING: 409,
  NOTHING_TO_ROLL_BACK: 409,
  HOST_UNREACHABLE: 502,
  // Outbound connections (common/outbound): a denied range, or a CA that does not answer.
  OUTBOUND_DENIED: 422,
  CA_UNREACHABLE: 502,
  AUTH_REJECTED: 502,
  SUDO_REJECTED: 502,
  SSH_FAILED: 502,
  SSH_TIMEOUT: 504,
  INTERNAL: 500,
} as const;

export type ErrorCode = keyof typeof ERROR_STATUS;

export interface FieldError {
  field: string;
  message: string;
  /** Why, when a rule rather than the field's own format refused it (e.g. OPENWEBUI_PORT_MISMATCH). */
  reason?: string;
}

/**
 * The one error type features throw. Features with richer failures subclass it with their own
 * codes (see ERROR_STATUS); details carry field errors or evidence, never secrets.
 */
export class AppError extends Error {
  constructor(
    readonly code: ErrorCode,
    message: string,
    readonly details?: FieldError[] | Record<string, unknown>,
  ) {
    super(message);
    this.name = 'AppError';
  }

  static notFound(what: string, id: string): AppError {
    return new AppError('NOT_FOUND', `${what} ${id} does not exist`);
  }

  static invalid(field: string, message: string): AppError {
    return new AppError('VALIDATION_FAILED', `${field} ${message}`, [{ field, message }]);
  }
}
