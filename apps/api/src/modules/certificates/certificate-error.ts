import { AppError } from '../../common/errors/app-error.js';

/** Why an uploaded certificate was refused; automation reads `details.reason`. */
export type UploadRejection =
  | 'NOT_A_CERTIFICATE'
  | 'KEY_INVALID'
  | 'KEY_MISMATCH'
  | 'EXPIRED'
  | 'NOT_YET_VALID'
  | 'CHAIN_ORDER'
  | 'MISSING_INTERMEDIATE'
  | 'HOSTNAMES_NOT_COVERED';

export function uploadRejected(
  reason: UploadRejection,
  message: string,
  extra: Record<string, unknown> = {},
) {
  return new AppError('CERTIFICATE_REJECTED', message, { reason, ...extra });
}
