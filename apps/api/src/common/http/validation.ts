import { StandardSchemaValidationPipe } from '@nestjs/common';
import { AppError, FieldError } from '../errors/app-error.js';

type Issue = { message: string; path?: ReadonlyArray<PropertyKey | { key: PropertyKey }> };

export function toFieldErrors(issues: readonly Issue[]): FieldError[] {
  return issues.map((issue) => ({
    field: (issue.path ?? []).map((p) => String(typeof p === 'object' ? p.key : p)).join('.') || '(body)',
    message: issue.message,
  }));
}

/** Every @Body/@Query/@Param schema is checked here; failures become a 400 listing each field. */
export function createValidationPipe(): StandardSchemaValidationPipe {
  return new StandardSchemaValidationPipe({
    exceptionFactory: (issues) => {
      const details = toFieldErrors(issues);
      const summary = details.map((d) => `${d.field}: ${d.message}`).join('; ');
      return new AppError('VALIDATION_FAILED', `Invalid request: ${summary}`, details);
    },
  });
}
