// Stable check codes: automation keys on these, so a code is never renamed or reused.
export const DOCTOR_CODES = [
  'DNS_RESOLVES',
  'HTTP_REACHABLE',
  'HTTP_REDIRECT',
  'ACME_PATH',
  'TLS_CHAIN',
  'TLS_SAN',
  'TLS_EXPIRY',
  'TLS_PROTOCOLS',
  'WS_UPGRADE',
  'STREAMING',
  'PROXY_TIMEOUT',
  'UPSTREAM_FROM_AGENT',
  'DOCKER_PORT',
  'CORS_ORIGINS',
  'CONFIG_DRIFT',
  'CONFIG_VALID',
] as const;

export type DoctorCode = (typeof DOCTOR_CODES)[number];

/** pass: works; warn: works but needs attention; fail: broken; skip: does not apply or could not run. */
export type DoctorStatus = 'pass' | 'warn' | 'fail' | 'skip';

export interface DoctorCheck {
  code: DoctorCode;
  status: DoctorStatus;
  /** One line for people, e.g. "upgrade refused: HTTP 200". */
  message: string;
  /** The agent the check ran on or through; absent for checks on the desired state or from Portico. */
  agentId?: string;
  agentName?: string;
  /** What exactly was checked: a hostname, a route prefix, an upstream target. */
  subject?: string;
  /** What was observed (status codes, headers, resolved addresses, file lists). */
  evidence: Record<string, unknown>;
  /** What to change; null when nothing is wrong. */
  remediation: string | null;
}

export function check(
  code: DoctorCode,
  status: DoctorStatus,
  message: string,
  evidence: Record<string, unknown> = {},
  remediation: string | null = null,
): DoctorCheck {
  return { code, status, message, evidence, remediation: status === 'pass' ? null : remediation };
}

/** The worst status wins; skips never make a site look broken. */
export function overall(checks: DoctorCheck[]): 'pass' | 'warn' | 'fail' {
  if (checks.some((c) => c.status === 'fail')) return 'fail';
  if (checks.some((c) => c.status === 'warn')) return 'warn';
  return 'pass';
}
