import { AppError, type FieldError } from '../../common/errors/app-error.js';
import type { CreateService } from '../services/dto/service.schema.js';
import { SERVICE_DEFAULTS } from '../services/dto/service.schema.js';
import type { CreateSite } from '../sites/dto/site.schema.js';
import { SITE_DEFAULTS } from '../sites/dto/site.schema.js';
import type { FleetState, ServiceSpec, SiteSpec } from './fleet-state.js';

// An unsaved draft (the body of a create) turned into the renderer's spec against the stored
// state, with the same reference checks a save makes: what a save would refuse as a 400, a
// preview refuses the same way, so the form shows the same message under the same field.

/** Id of a draft that is not saved yet; never written anywhere (site files are named by name). */
export const DRAFT_ID = 'draft';

export interface SiteDraft {
  spec: SiteSpec;
  /** Would not stop a render but would stop a save (a hostname another site serves). */
  warnings: FieldError[];
}

function refuse(errors: FieldError[]): void {
  if (errors.length)
    throw new AppError('VALIDATION_FAILED', errors.map((e) => `${e.field}: ${e.message}`).join('; '), errors);
}

function agentIds(state: FleetState, names: readonly string[], errors: FieldError[]): string[] {
  return names.map((name, i) => {
    const agent = state.agents.find((a) => a.name === name);
    if (!agent) errors.push({ field: `agents.${i}`, message: `no agent named ${name}` });
    return agent?.id ?? '';
  });
}

/**
 * The site a create (or, with `replaces`, an edit of that site) would store. `state` must
 * already hold the certificate the draft names, if it exists.
 */
export function draftSite(state: FleetState, dto: CreateSite, replaces?: string): SiteDraft {
  const site = { ...SITE_DEFAULTS, ...dto };
  const errors: FieldError[] = [];
  const routes = site.routes.map((r, i) => {
    const upstream = state.upstreams.find((u) => u.name === r.upstream);
    if (!upstream) errors.push({ field: `routes.${i}.upstream`, message: `no upstream named ${r.upstream}` });
    return { pathPrefix: r.pathPrefix, upstreamId: upstream?.id ?? '', streaming: r.streaming ?? false };
  });
  const agents = agentIds(state, site.agents, errors);
  if (site.tlsMode === 'uploaded' && !site.certificateId)
    errors.push({ field: 'certificateId', message: 'is required when tlsMode is uploaded' });
  if (site.certificateId && !state.certificates.some((c) => c.id === site.certificateId))
    errors.push({ field: 'certificateId', message: `no certificate ${site.certificateId}` });
  refuse(errors);

  const warnings: FieldError[] = [];
  site.hostnames.forEach((hostname, i) => {
    const other = state.sites.find((s) => s.id !== replaces && s.hostnames.includes(hostname));
    if (other) warnings.push({ field: `hostnames.${i}`, message: `already served by site ${other.name}` });
  });
  return {
    spec: {
      id: replaces ?? DRAFT_ID,
      name: site.name,
      hostnames: site.hostnames,
      tlsMode: site.tlsMode,
      certificateId: site.certificateId ?? null,
      httpsRedirect: site.httpsRedirect,
      hsts: site.hsts,
      websocket: site.websocket,
      readTimeoutSec: site.readTimeoutSec,
      sendTimeoutSec: site.sendTimeoutSec,
      maxBodyMb: site.maxBodyMb,
      responseHeaders: site.responseHeaders,
      upstreamHeaders: site.upstreamHeaders,
      routes,
      agentIds: [...agents].sort(),
    },
    warnings,
  };
}

/** The service a create would store. */
export function draftService(state: FleetState, dto: CreateService): ServiceSpec {
  const service = { ...SERVICE_DEFAULTS, ...dto };
  const errors: FieldError[] = [];
  const agents = agentIds(state, service.agents, errors);
  refuse(errors);
  return {
    id: DRAFT_ID,
    name: service.name,
    kind: service.kind,
    description: service.description,
    execStart: service.execStart ?? null,
    image: service.image ?? null,
    environment: service.environment,
    user: service.user ?? null,
    restart: service.restart,
    options: service.options,
    agentIds: [...agents].sort(),
  };
}

/** The state with the draft in place of the site it replaces (or added, when it is new). */
export function withSite(state: FleetState, spec: SiteSpec): FleetState {
  return { ...state, sites: [...state.sites.filter((s) => s.id !== spec.id), spec] };
}

/** The state with the draft service added (a service of the same name is the one it would replace). */
export function withService(state: FleetState, spec: ServiceSpec): FleetState {
  return { ...state, services: [...state.services.filter((s) => s.name !== spec.name), spec] };
}
