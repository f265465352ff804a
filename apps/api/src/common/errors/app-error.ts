/** Stable error codes: automation acts on these, the filter maps them to HTTP statuses. */
export const ERROR_STATUS = {
  VALIDATION_FAILED: 400,
  UNAUTHENTICATED: 401,
  INVALID_CREDENTIALS: 401,
  FORBIDDEN: 403,
  NOT_FOUND: 404,
  NAME_TAKEN: 409,
  HOSTNAME_TAKEN: 409,
  VERSION_CONFLICT: 409,
  IN_USE: 409,
  PRECONDITION_REQUIRED: 428,
  RENDER_FAILED: 422,
  RATE_LIMITED: 429,
  INTERNAL: 500,
} as const;

export type ErrorCode = keyof typeof ERROR_STATUS;

export interface FieldError {
  field: string;
  message: string;
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
