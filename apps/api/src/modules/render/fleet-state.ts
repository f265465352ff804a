// The renderer's whole input: the desired state of the fleet as plain data, independent of
// Prisma. Rendering is a pure function of this (same input, byte-identical output), so the
// data layer builds one FleetState and the renderer never does I/O.

export type ProxyFlavor = 'nginx' | 'apache';
export type TlsMode = 'off' | 'acme' | 'uploaded';
export type BalancePolicy = 'round_robin' | 'least_conn' | 'ip_hash';
export type UpstreamKind = 'generic' | 'ollama' | 'openwebui';
export type ServiceKind = 'generic' | 'ollama' | 'openwebui';
export type RestartPolicy = 'no' | 'always' | 'on_failure' | 'on_abnormal';

export interface HeaderSpec {
  name: string;
  value: string;
}

export interface UpstreamTargetSpec {
  scheme: 'http' | 'https';
  host: string;
  port: number;
  weight: number;
}

export interface UpstreamSpec {
  id: string;
  name: string;
  kind: UpstreamKind;
  policy: BalancePolicy;
  keepalive: number;
  targets: UpstreamTargetSpec[];
}

export interface RouteSpec {
  pathPrefix: string;
  upstreamId: string;
  /** Stream responses as they come (proxy_buffering off): LLM tokens, server-sent events. */
  streaming: boolean;
}

export interface SiteSpec {
  id: string;
  name: string;
  /** First hostname is the canonical one (used for WEBUI_URL, redirects keep the request host). */
  hostnames: string[];
  tlsMode: TlsMode;
  certificateId: string | null;
  httpsRedirect: boolean;
  hsts: boolean;
  websocket: boolean;
  readTimeoutSec: number;
  sendTimeoutSec: number;
  /** 0 means unlimited. */
  maxBodyMb: number;
  responseHeaders: HeaderSpec[];
  upstreamHeaders: HeaderSpec[];
  routes: RouteSpec[];
  /** Agents that serve this site. */
  agentIds: string[];
}

export interface OllamaOptions {
  /** Address `ollama serve` binds (OLLAMA_HOST); absent: from the topology (unit-plan.ts, ollamaListen). */
  listen?: string;
  /** The upstream that represents this Ollama: sites routing to it are its public faces. */
  upstream?: string;
  /** Extra origins always allowed besides the computed ones. */
  extraOrigins?: string[];
}

export interface OpenWebuiOptions {
  runtime?: 'docker' | 'podman';
  /** bridge publishes hostPort:8080; host shares the host network and listens on 8080. */
  network?: 'bridge' | 'host';
  hostPort?: number;
  /** The upstream that represents this Open WebUI (what its sites route to). */
  upstream?: string;
  /** The upstream of the Ollama it talks to; its public site (if any) gives OLLAMA_BASE_URL. */
  ollamaUpstream?: string;
  /** AIOHTTP_CLIENT_TIMEOUT in seconds; must not exceed the proxy read timeout. */
  timeoutSec?: number;
  volume?: string;
}

export interface ServiceSpec {
  id: string;
  name: string;
  kind: ServiceKind;
  description: string;
  execStart: string | null;
  image: string | null;
  environment: Record<string, string>;
  user: string | null;
  restart: RestartPolicy;
  options: OllamaOptions & OpenWebuiOptions & Record<string, unknown>;
  agentIds: string[];
}

export interface CertificateSpec {
  id: string;
  domains: string[];
  /** Leaf first, then intermediates. Null while an ACME order is pending. */
  chainPem: string | null;
  /** Decrypted only when rendering for a deployment; previews leave it null. */
  keyPem: string | null;
}

export interface AgentSpec {
  id: string;
  name: string;
  flavor: ProxyFlavor;
  /** Directory Portico owns on the host; every rendered file lives under it. */
  configRoot: string;
  /** e.g. "2.4.62"; selects Apache's WebSocket style. Unknown means a modern server. */
  proxyVersion?: string | null;
  /** One IP the proxy listens on; absent means every address (IPv4 and IPv6). */
  listenAddress?: string | null;
  /** Ports the proxy listens on; default 80 and 443 (tests, hosts behind port mapping). */
  httpPort?: number | null;
  httpsPort?: number | null;
}

export interface FleetState {
  revision: number;
  agents: AgentSpec[];
  sites: SiteSpec[];
  upstreams: UpstreamSpec[];
  services: ServiceSpec[];
  certificates: CertificateSpec[];
}

/**
 * One file of an agent's revision tree.
 *
 * On the host, Portico owns `configRoot` (default /etc/portico):
 *   revisions/<id>/…   one complete tree per deployed revision
 *   live -> revisions/<id>   symlink swapped atomically by the deploy engine
 *   acme/              HTTP-01 webroot, outside revisions (challenges come and go)
 * Paths here are relative to a revision tree (e.g. `nginx/sites/chat.conf`); file contents
 * refer to each other through the live path (`/etc/portico/live/nginx/…`), so a tree is
 * valid wherever `live` points at it.
 */
export interface RenderedFile {
  /** Relative to the revision tree, e.g. `nginx/sites/chat.conf`. */
  path: string;
  /** POSIX mode, e.g. 0o644; private keys are 0o600. */
  mode: number;
  content: string;
  /** sha256 hex of content. */
  sha256: string;
}
