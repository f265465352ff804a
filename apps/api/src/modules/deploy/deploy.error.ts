import { AppError } from '../../common/errors/app-error.js';

/**
 * Why talking to a host failed. Automation acts on the code; the global filter maps it through
 * ERROR_STATUS: HOST_KEY_CHANGED 409, AUTH_REJECTED 502, HOST_UNREACHABLE 502, SSH_TIMEOUT 504,
 * SUDO_REJECTED 502, SSH_FAILED 502, INVALID_DEPLOY_INPUT 400.
 */
export type DeployErrorCode =
  /** The host presented a key other than the pinned one: every operation stops until an admin accepts it. */
  | 'HOST_KEY_CHANGED'
  /** TCP connection refused, no route, DNS failure. */
  | 'HOST_UNREACHABLE'
  /** The server refused the private key (or the key could not be parsed). */
  | 'AUTH_REJECTED'
  /** Handshake, command or transfer took longer than allowed. */
  | 'SSH_TIMEOUT'
  /** `sudo -n` asked for a password or the user may not sudo. */
  | 'SUDO_REJECTED'
  /** Anything else the SSH layer reported (channel refused, SFTP failure, connection dropped). */
  | 'SSH_FAILED'
  /** Paths or revision ids that would not be safe to put into a shell command. */
  | 'INVALID_DEPLOY_INPUT';

export class DeployError extends AppError {
  constructor(
    override readonly code: DeployErrorCode,
    message: string,
    /** Evidence for the operator (expected/actual fingerprints, command output); never secrets. */
    override readonly details?: Record<string, unknown>,
  ) {
    super(code, message, details);
    this.name = 'DeployError';
  }
}
