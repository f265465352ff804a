// What a health check is, independent of how it is scheduled or where its state is kept.

export type SubjectType = 'site' | 'upstream' | 'agent';
export type HealthStatus = 'unknown' | 'up' | 'degraded' | 'down';

/** How a probe reaches its target; every field is plain data so checks can be compared. */
export type ProbeSpec =
  /** HTTP(S) request through the proxy with the site's Host header; `expect` statuses count as up. */
  | {
      kind: 'site-http';
      address: string;
      port: number;
      tls: boolean;
      host: string;
      path: string;
      expect: number[];
    }
  /** HTTP→HTTPS redirect on the plain port: 301/302/307/308 to https://host. */
  | { kind: 'site-redirect'; address: string; port: number; host: string }
  /** WebSocket upgrade through the proxy must answer 101. */
  | { kind: 'site-websocket'; address: string; port: number; tls: boolean; host: string; path: string }
  /** TLS handshake with SNI: certificate days left and hostname match. */
  | { kind: 'site-tls'; address: string; port: number; host: string }
  /**
   * An upstream target: TCP connect, then HTTP (Ollama: GET /api/tags with a JSON models list).
   * With `viaAgentId` the connection is opened by that agent over its SSH session (direct-tcpip),
   * for targets only reachable from inside the agent's network.
   */
  | {
      kind: 'upstream-http';
      scheme: 'http' | 'https';
      host: string;
      port: number;
      path: string;
      ollama: boolean;
      viaAgentId?: string;
    }
  /** The agent's SSH port answers with an SSH banner. */
  | { kind: 'agent-ssh'; address: string; port: number }
  /** The agent's proxy accepts connections on its HTTP port. */
  | { kind: 'agent-proxy'; address: string; port: number }
  /** Over SSH: the agent's status command (systemctl is-active nginx, …) says the proxy runs. */
  | { kind: 'agent-process'; agentId: string }
  /** Over SSH: the files on the host still equal what Portico last deployed there. */
  | { kind: 'agent-drift'; agentId: string };

export interface CheckSpec {
  /** Stable identity, e.g. `site:<id>:http@<agentId>`; the HealthState primary key. */
  key: string;
  subjectType: SubjectType;
  subjectId: string;
  /** Agent the probe goes through (site checks) or is about (agent checks): its topic too. */
  agentId?: string;
  intervalMs: number;
  timeoutMs: number;
  probe: ProbeSpec;
}

/** ok: works; warn: works but needs attention (certificate expiring, slow); fail: does not work. */
export type ProbeOutcome = 'ok' | 'warn' | 'fail';

export interface ProbeResult {
  outcome: ProbeOutcome;
  latencyMs: number;
  /** Short human-readable reason, e.g. "HTTP 502" or "connect ECONNREFUSED". */
  message: string;
  detail?: Record<string, unknown>;
  /** The probe did not look (its subject was busy): no state moves, nothing is published. */
  skipped?: true;
  /** A failure that is not a blip (nothing listens): down after degradeAfter failures, not downAfter. */
  conclusive?: true;
}

/** One probe result as kept in memory (and Redis) and sent to dashboards. */
export interface LatestResult extends ProbeResult {
  checkKey: string;
  at: string;
  status: HealthStatus;
}
