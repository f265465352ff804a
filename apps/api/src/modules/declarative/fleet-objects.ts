import { AGENT_DEFAULTS, type HostOverrides } from '../agents/dto/agent.schema.js';
import { directoryUrlOf } from '../certificates/acme/acme.gateway.js';
import { CERTIFICATE_POLICY_DEFAULTS, type KeyType } from '../certificates/dto/certificate-policy.schema.js';
import { SERVICE_DEFAULTS } from '../services/dto/service.schema.js';
import { SITE_DEFAULTS } from '../sites/dto/site.schema.js';
import { UPSTREAM_DEFAULTS } from '../upstreams/dto/upstream.schema.js';
import type { FleetDocument } from './dto/fleet-document.schema.js';

// The canonical form of every declarative object: all fields present, defaults applied, sets
// sorted. Export writes it, plan compares it, so "same document twice" is exactly "no change".

type Header = { name: string; value: string };

export interface AgentObject {
  name: string;
  address: string;
  sshPort: number;
  sshUser: string;
  useSudo: boolean;
  flavor: 'nginx' | 'apache';
  configRoot: string;
  hostFamily: 'debian' | 'rhel';
  validateCommand: string | null;
  reloadCommand: string | null;
  listenAddress: string | null;
  httpPort: number;
  httpsPort: number;
  /** Non-standard host layouts (paths, commands, no systemd): see docs/deploy.md. */
  hostOverrides: HostOverrides;
  labels: Record<string, string>;
}

export interface UpstreamObject {
  name: string;
  kind: 'generic' | 'ollama' | 'openwebui';
  policy: 'round_robin' | 'least_conn' | 'ip_hash';
  keepalive: number;
  targets: { scheme: 'http' | 'https'; host: string; port: number; weight: number }[];
  probeFrom: 'portico' | 'agents';
  labels: Record<string, string>;
}

/** The ACME account is named by its directory URL; its key never appears in a document. */
export interface CertificatePolicyObject {
  name: string;
  directory: string;
  challenge: 'http-01' | 'dns-01';
  keyType: KeyType;
  autoIssue: boolean;
}

export interface SiteObject {
  name: string;
  hostnames: string[];
  tlsMode: 'off' | 'acme' | 'uploaded';
  certificateId: string | null;
  certificatePolicy: string | null;
  httpsRedirect: boolean;
  hsts: boolean;
  websocket: boolean;
  readTimeoutSec: number;
  sendTimeoutSec: number;
  maxBodyMb: number;
  responseHeaders: Header[];
  upstreamHeaders: Header[];
  routes: { pathPrefix: string; upstream: string; streaming: boolean }[];
  agents: string[];
  labels: Record<string, string>;
}

export interface ServiceObject {
  name: string;
  kind: 'generic' | 'ollama' | 'openwebui';
  description: string;
  execStart: string | null;
  image: string | null;
  environment: Record<string, string>;
  user: string | null;
  restart: 'no' | 'always' | 'on_failure' | 'on_abnormal';
  options: Record<string, unknown>;
  agents: string[];
  labels: Record<string, string>;
}

/** In reference order: what a kind points at comes before it. */
export const KINDS = ['agents', 'upstreams', 'certificatePolicies', 'sites', 'services'] as const;
export type Kind = (typeof KINDS)[number];

export interface FleetObjects {
  agents: AgentObject[];
  upstreams: UpstreamObject[];
  certificatePolicies: CertificatePolicyObject[];
  sites: SiteObject[];
  services: ServiceObject[];
}

export type AnyObject = FleetObjects[Kind][number];

type DocItem<K extends Kind> = NonNullable<FleetDocument[K]>[number];

const byName = <T extends { name: string }>(items: T[]) =>
  [...items].sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));

export function agentObject(a: DocItem<'agents'>): AgentObject {
  const v = { ...AGENT_DEFAULTS, ...a };
  return {
    name: v.name,
    address: v.address,
    sshPort: v.sshPort,
    sshUser: v.sshUser,
    useSudo: v.useSudo,
    flavor: v.flavor,
    configRoot: v.configRoot,
    hostFamily: v.hostFamily,
    validateCommand: v.validateCommand ?? null,
    reloadCommand: v.reloadCommand ?? null,
    listenAddress: v.listenAddress ?? null,
    httpPort: v.httpPort,
    httpsPort: v.httpsPort,
    hostOverrides: { ...v.hostOverrides },
    labels: { ...v.labels },
  };
}

export function upstreamObject(u: DocItem<'upstreams'>): UpstreamObject {
  const v = { ...UPSTREAM_DEFAULTS, ...u };
  return {
    name: v.name,
    kind: v.kind,
    policy: v.policy,
    keepalive: v.keepalive,
    targets: v.targets.map((t) => ({
      scheme: t.scheme ?? 'http',
      host: t.host,
      port: t.port,
      weight: t.weight ?? 1,
    })),
    probeFrom: v.probeFrom,
    labels: { ...v.labels },
  };
}

export function certificatePolicyObject(p: DocItem<'certificatePolicies'>): CertificatePolicyObject {
  const v = { ...CERTIFICATE_POLICY_DEFAULTS, ...p };
  return {
    name: v.name,
    directory: directoryUrlOf(v.directory),
    challenge: v.challenge,
    keyType: v.keyType,
    autoIssue: v.autoIssue,
  };
}

export function siteObject(s: DocItem<'sites'>): SiteObject {
  const v = { ...SITE_DEFAULTS, ...s };
  return {
    name: v.name,
    hostnames: [...v.hostnames],
    tlsMode: v.tlsMode,
    certificateId: v.certificateId ?? null,
    certificatePolicy: v.certificatePolicy ?? null,
    httpsRedirect: v.httpsRedirect,
    hsts: v.hsts,
    websocket: v.websocket,
    readTimeoutSec: v.readTimeoutSec,
    sendTimeoutSec: v.sendTimeoutSec,
    maxBodyMb: v.maxBodyMb,
    responseHeaders: v.responseHeaders.map((h) => ({ name: h.name, value: h.value })),
    upstreamHeaders: v.upstreamHeaders.map((h) => ({ name: h.name, value: h.value })),
    routes: v.routes.map((r) => ({
      pathPrefix: r.pathPrefix,
      upstream: r.upstream,
      streaming: r.streaming ?? false,
    })),
    agents: [...v.agents].sort(),
    labels: { ...v.labels },
  };
}

export function serviceObject(s: DocItem<'services'>): ServiceObject {
  const v = { ...SERVICE_DEFAULTS, ...s };
  return {
    name: v.name,
    kind: v.kind,
    description: v.description,
    execStart: v.execStart ?? null,
    image: v.image ?? null,
    environment: { ...v.environment },
    user: v.user ?? null,
    restart: v.restart,
    options: { ...v.options },
    agents: [...v.agents].sort(),
    labels: { ...v.labels },
  };
}

/** The sections a document manages, in canonical form; absent sections stay undefined. */
export function documentObjects(doc: FleetDocument): Partial<FleetObjects> {
  return {
    ...(doc.agents ? { agents: byName(doc.agents.map(agentObject)) } : {}),
    ...(doc.upstreams ? { upstreams: byName(doc.upstreams.map(upstreamObject)) } : {}),
    ...(doc.certificatePolicies
      ? { certificatePolicies: byName(doc.certificatePolicies.map(certificatePolicyObject)) }
      : {}),
    ...(doc.sites ? { sites: byName(doc.sites.map(siteObject)) } : {}),
    ...(doc.services ? { services: byName(doc.services.map(serviceObject)) } : {}),
  };
}

/** JSON with object keys sorted: two values are equal exactly when their canonical texts are. */
export function canonicalJson(value: unknown): string {
  return JSON.stringify(value, (_key, v) =>
    v && typeof v === 'object' && !Array.isArray(v)
      ? Object.fromEntries(Object.entries(v).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)))
      : v,
  );
}

export const sameValue = (a: unknown, b: unknown) => canonicalJson(a) === canonicalJson(b);
