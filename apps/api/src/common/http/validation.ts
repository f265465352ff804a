import { StandardSchemaValidationPipe } from '@nestjs/common';
import { AppError, FieldError } from '../errors/app-error.js';

type PathSegment = PropertyKey | { key: PropertyKey };
// zod's issues carry `keys` for unknown fields; other Standard Schema libraries may not.
type Issue = { message: string; path?: ReadonlyArray<PathSegment>; keys?: readonly string[] };

const joinPath = (path: ReadonlyArray<PathSegment>) =>
  path.map((p) => String(typeof p === 'object' ? p.key : p)).join('.');

export function toFieldErrors(issues: readonly Issue[]): FieldError[] {
  return issues.flatMap((issue) => {
    const path = issue.path ?? [];
    // An unknown field is reported under its own name, so a client sees exactly what to remove.
    if (issue.keys?.length) {
      return issue.keys.map((key) => ({ field: joinPath([...path, key]), message: 'is not a known field' }));
    }
    return [{ field: joinPath(path) || '(body)', message: issue.message }];
  });
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
