// Every event Portico publishes. Each names the topics it belongs to, so consumers (the
// WebSocket gateway, metrics, a Redis bridge between instances) route without knowing the kinds.

export type Topic =
  | 'fleet'
  | `site:${string}`
  | `agent:${string}`
  | `deployment:${string}`
  | `certificate:${string}`
  | `upstream:${string}`;

interface Base {
  /** ISO timestamp of when it happened. */
  at: string;
  topics: Topic[];
  /** Set by the Redis bridge on events another API instance published. */
  origin?: string;
}

export interface DeploymentEvent extends Base {
  type: 'deployment.started' | 'deployment.finished';
  deploymentId: string;
  status: string;
}

export interface TargetEvent extends Base {
  type: 'target.started' | 'target.step' | 'target.finished';
  deploymentId: string;
  agentId: string;
  /** Protocol step (render, upload, validate, switch, reload, verify, rollback). */
  step?: string;
  status?: string;
  message?: string;
}

export interface HealthEvent extends Base {
  type: 'health.transition' | 'health.result';
  checkKey: string;
  subjectType: string;
  subjectId: string;
  status: string;
  from?: string;
  /** Agent the probe went through (site checks) or is about (agent checks). */
  agentId?: string;
  /** Probe results: ok | warn | fail, how long it took and why. */
  outcome?: string;
  latencyMs?: number;
  message?: string;
  detail?: Record<string, unknown>;
}

export interface CertificateEvent extends Base {
  type: 'certificate.order' | 'certificate.issued' | 'certificate.failed' | 'certificate.renewed';
  certificateId: string;
  message?: string;
}

/**
 * A user's credentials changed: a token revoked, a session ended, the user disabled, demoted,
 * given a new password or deleted. It belongs to no topic: the gateway looks up again every
 * live socket of that user (on every instance) and closes or narrows it.
 */
export interface CredentialsEvent extends Base {
  type: 'credentials.changed';
  userId: string;
  reason: 'token.revoked' | 'session.ended' | 'user.changed' | 'user.deleted';
}

export type PorticoEvent = DeploymentEvent | TargetEvent | HealthEvent | CertificateEvent | CredentialsEvent;
