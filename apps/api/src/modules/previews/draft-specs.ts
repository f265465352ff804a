import { AppError, type FieldError } from '../../common/errors/app-error.js';
import type { FleetState, ServiceSpec, SiteSpec } from '../render/fleet-state.js';
import type { CreateService } from '../services/dto/service.schema.js';
import { SERVICE_DEFAULTS } from '../services/dto/service.schema.js';
import type { CreateSite } from '../sites/dto/site.schema.js';
import { SITE_DEFAULTS } from '../sites/dto/site.schema.js';

// An unsaved draft (the body of a create) turned into the renderer's spec. A site's references
// are resolved by the sites feature's own resolver (sites/site-references.ts) before this, so a
// preview refuses what a save refuses, with the same message under the same field.

/** Id of a draft that is not saved yet; never written anywhere (site files are named by name). */
export const DRAFT_ID = 'draft';

/** The site a create (or, with `replaces`, an edit of that site) would store. */
export function draftSite(
  dto: CreateSite,
  refs: { routes: SiteSpec['routes']; agentIds: string[] },
  replaces?: string,
): SiteSpec {
  const site = { ...SITE_DEFAULTS, ...dto };
  return {
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
    routes: refs.routes,
    agentIds: [...refs.agentIds].sort(),
  };
}

/** What would not stop a render but would stop a save: a hostname another site serves. */
export function hostnameWarnings(state: FleetState, hostnames: string[], replaces?: string): FieldError[] {
  return hostnames.flatMap((hostname, i) => {
    const other = state.sites.find((s) => s.id !== replaces && s.hostnames.includes(hostname));
    return other ? [{ field: `hostnames.${i}`, message: `already served by site ${other.name}` }] : [];
  });
}

/** The service a create would store. */
export function draftService(state: FleetState, dto: CreateService): ServiceSpec {
  const service = { ...SERVICE_DEFAULTS, ...dto };
  const errors: FieldError[] = [];
  const agents = service.agents.map((name, i) => {
    const agent = state.agents.find((a) => a.name === name);
    if (!agent) errors.push({ field: `agents.${i}`, message: `no agent named ${name}` });
    return agent?.id ?? '';
  });
  if (errors.length)
    throw new AppError('VALIDATION_FAILED', errors.map((e) => `${e.field}: ${e.message}`).join('; '), errors);
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
