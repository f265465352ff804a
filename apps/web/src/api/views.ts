// Response shapes of the API (its views: site.view.ts, deployment.view.ts, …). The OpenAPI
// document types requests; responses carry no schema yet, so they are written down here.

export type Role = 'admin' | 'operator' | 'viewer';
export type Permission = 'read' | 'write' | 'deploy' | 'admin';
export type Labels = Record<string, string>;

export interface Me {
  id: string;
  email: string;
  role: Role;
  via: string;
  permissions: Permission[];
}

export interface Target {
  scheme?: 'http' | 'https';
  host: string;
  port: number;
  weight?: number;
}

export interface Upstream {
  id: string;
  name: string;
  kind: 'generic' | 'ollama' | 'openwebui';
  policy: 'round_robin' | 'least_conn' | 'ip_hash';
  keepalive: number;
  targets: Target[];
  labels: Labels;
  version: number;
  updatedAt: string;
}

export interface Header {
  name: string;
  value: string;
}

export interface Site {
  id: string;
  name: string;
  hostnames: string[];
  tlsMode: 'off' | 'acme' | 'uploaded';
  certificateId: string | null;
  httpsRedirect: boolean;
  hsts: boolean;
  websocket: boolean;
  readTimeoutSec: number;
  sendTimeoutSec: number;
  maxBodyMb: number;
  responseHeaders: Header[];
  upstreamHeaders: Header[];
  routes: { pathPrefix: string; upstream: string; upstreamId: string; streaming: boolean }[];
  agents: string[];
  labels: Labels;
  version: number;
  updatedAt: string;
}

export interface RenderedFile {
  path: string;
  mode: string | number;
  content: string;
  sha256: string;
}

export interface SiteRender {
  siteId: string;
  flavor: 'nginx' | 'apache';
  revision: number;
  files: RenderedFile[];
}

/** POST /sites/render-preview: an unsaved draft rendered; `warnings` would stop a save. */
export interface SiteDraftRender {
  flavor: 'nginx' | 'apache';
  revision: number;
  files: RenderedFile[];
  warnings: { field: string; message: string }[];
}

/** GET /services/{id}/render and POST /services/render-preview: one systemd unit. */
export interface UnitRender {
  serviceId?: string;
  revision: number;
  file: RenderedFile;
}

export interface Agent {
  id: string;
  name: string;
  address: string;
  sshPort: number;
  sshUser: string;
  sshPublicKey: string | null;
  hasPrivateKey: boolean;
  useSudo: boolean;
  flavor: 'nginx' | 'apache';
  configRoot: string;
  hostFamily: 'debian' | 'rhel';
  httpPort: number;
  httpsPort: number;
  proxyVersion: string | null;
  hostKeyFingerprint: string | null;
  offeredHostKey: string | null;
  labels: Labels;
  version: number;
}

export interface HostCheck {
  name: string;
  status: 'pass' | 'fail' | 'skipped';
  detail: string;
}

export interface HostTest {
  agentId: string;
  ok: boolean;
  proxyVersion: string | null;
  hostKeyFingerprint: string | null;
  firstContact: boolean;
  checks: HostCheck[];
}

export interface Drift {
  agentId: string;
  checkedAt: string;
  deployed: { deploymentId: string; revision: number; finishedAt: string } | null;
  inSync: boolean;
  liveRevision: string | null;
  changed: string[];
  modeChanged: string[];
  missing: string[];
  extra: string[];
  handEdited: string[];
  hookInstalled: boolean;
}

export interface ImportResult {
  agentId: string;
  files: { path: string; bytes: number }[];
  sites: {
    name: string;
    hostnames: string[];
    routes: { pathPrefix: string; upstream: string }[];
    source: string;
  }[];
  upstreams: { name: string; targets: Target[]; policy: string; source: string }[];
  unmapped: { source: string; line: number; directive: string; reason: string }[];
}

export interface Service {
  id: string;
  name: string;
  kind: 'generic' | 'ollama' | 'openwebui';
  description: string;
  execStart: string | null;
  image: string | null;
  restart: string;
  agents?: string[];
  labels: Labels;
  version: number;
}

export type DeploymentStatus =
  | 'pending'
  | 'running'
  | 'succeeded'
  | 'succeeded_with_warnings'
  | 'partially_failed'
  | 'failed';
export type TargetStatus = 'pending' | 'running' | 'succeeded' | 'unchanged' | 'failed' | 'rolled_back';

export interface DeploymentTarget {
  id: string;
  agentId: string;
  agentName?: string;
  status: TargetStatus;
  step: string | null;
  log?: string;
  error: string | null;
  /** Converged, but verify saw 502/503/504 (its backend did not answer). */
  warning?: string | null;
  revision?: number;
  startedAt: string | null;
  finishedAt: string | null;
  durationMs?: number | null;
}

export interface Deployment {
  id: string;
  revision: number;
  kind: 'deploy' | 'rollback';
  status: DeploymentStatus;
  selector: unknown;
  rollbackOfId: string | null;
  requestedBy: string | null;
  createdAt: string;
  startedAt: string | null;
  finishedAt: string | null;
  durationMs: number | null;
  targets?: DeploymentTarget[];
}

export type HealthStatus = 'unknown' | 'up' | 'degraded' | 'down';

export interface HealthItem {
  checkKey: string;
  subjectType: string;
  subjectId: string;
  status: HealthStatus;
  since: string;
  detail: unknown;
  latest: { outcome: string; latencyMs: number; message: string; at: string } | null;
}

export interface HealthTransition {
  id: string;
  checkKey: string;
  subjectType: string;
  subjectId: string;
  from: HealthStatus;
  to: HealthStatus;
  at: string;
  detail: unknown;
}

export interface Certificate {
  id: string;
  domains: string[];
  source: 'acme' | 'uploaded';
  status: 'pending' | 'valid' | 'expired' | 'failed' | string;
  issuer: string | null;
  serial: string | null;
  notBefore: string | null;
  notAfter: string | null;
  hasKey: boolean;
  daysLeft: number | null;
  renewAfter: string | null;
  lastRenewalAt: string | null;
  lastRenewalError: string | null;
  revokedAt: string | null;
}

export interface CertificateOrder {
  id: string;
  certificateId: string;
  kind: string;
  challengeType: string;
  domains: string[];
  state: string;
  problem: { detail?: string; type?: string } | null;
  steps: { at: string; step: string; detail?: string }[];
  attempts: number;
  createdAt: string;
  finishedAt: string | null;
}

export interface AcmeAccount {
  id: string;
  directoryUrl: string;
  email: string | null;
  accountUrl: string | null;
  eabKid: string | null;
  createdAt: string;
}

export interface AuditEvent {
  id: string;
  at: string;
  actorType: string;
  actorLabel: string | null;
  action: string;
  targetType: string;
  targetId: string | null;
  requestId: string | null;
  /** Snapshots around the change, secrets removed. */
  before?: unknown;
  after?: unknown;
}

export interface User {
  id: string;
  email: string;
  role: Role;
  disabled: boolean;
  createdAt: string;
}

export interface ApiToken {
  id: string;
  name: string;
  /** The first characters of the secret: what identifies a token after it was shown once. */
  prefix: string;
  scopes: Permission[];
  userId: string | null;
  user?: { email: string } | null;
  expiresAt: string | null;
  revokedAt: string | null;
  lastUsedAt?: string | null;
  createdAt: string;
  /** Only in the answer to its creation. */
  token?: string;
}

export interface DoctorCheck {
  code: string;
  status: 'pass' | 'warn' | 'fail' | 'skip';
  message: string;
  agentId?: string;
  agentName?: string;
  subject?: string;
  evidence?: unknown;
  remediation?: string;
}

export interface DoctorReport {
  siteId: string;
  siteName: string;
  checkedAt: string;
  durationMs: number;
  status: 'pass' | 'warn' | 'fail';
  counts: Record<string, number>;
  checks: DoctorCheck[];
}

/** GET /api/v1/health/history: the recent results of each check of one subject. */
export interface HealthSample {
  at: string;
  latencyMs: number;
  outcome: 'ok' | 'warn' | 'fail';
  status: HealthStatus;
}

export interface HealthHistory {
  items: { checkKey: string; status: HealthStatus; samples: HealthSample[] }[];
}
