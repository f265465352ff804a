import { AppError } from '../errors/app-error.js';

/** Strong ETag for a versioned resource. */
export const etagOf = (version: number) => `"${version}"`;

/**
 * The version a write expects, from If-Match or the body's `version`. Undefined means the
 * client did not ask for optimistic concurrency; both present and disagreeing is an error.
 */
export function expectedVersion(
  ifMatch: string | undefined,
  bodyVersion: number | undefined,
): number | undefined {
  if (ifMatch === undefined || ifMatch === '*') return bodyVersion;
  const m = /^(?:W\/)?"(\d+)"$/.exec(ifMatch.trim());
  if (!m) throw AppError.invalid('If-Match', 'must be an ETag returned by this API, like "3"');
  const v = Number(m[1]);
  if (bodyVersion !== undefined && bodyVersion !== v) {
    throw AppError.invalid('version', 'disagrees with the If-Match header');
  }
  return v;
}

export function versionConflict(what: string, id: string, expected: number, actual: number): AppError {
  return new AppError(
    'VERSION_CONFLICT',
    `${what} ${id} was changed by someone else (you sent version ${expected}, it is now ${actual}); reload and retry`,
    { expected, actual },
  );
}
