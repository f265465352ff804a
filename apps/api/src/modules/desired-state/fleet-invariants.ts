import { Injectable } from '@nestjs/common';
import { AppError, type FieldError } from '../../common/errors/app-error.js';
import { type FleetProblem, fleetProblems, type ProblemKind } from '../render/fleet-problems.js';
import type { FleetState } from '../render/fleet-state.js';
import type { RenderErrorReason } from '../render/render-error.js';
import { DesiredStateService } from './desired-state.service.js';
import type { StateChange } from './state-change.js';

/** The field of each side that a rule's fix changes, so every door points at the same one. */
const FIELDS: Partial<Record<RenderErrorReason, Partial<Record<ProblemKind, string>>>> = {
  OPENWEBUI_PORT_MISMATCH: { upstream: 'targets', service: 'options.hostPort' },
  APP_TIMEOUT_EXCEEDS_PROXY: { site: 'readTimeoutSec', service: 'options.timeoutSec' },
  SERVICE_INVALID: { upstream: 'name', service: 'options' },
  UPSTREAM_INVALID: { upstream: 'targets', site: 'routes' },
  ROUTE_RESERVED_PATH: { site: 'routes' },
  ROUTE_UPSTREAM_MISSING: { site: 'routes' },
  TLS_CERTIFICATE_MISSING: { site: 'certificateId' },
  TLS_CERTIFICATE_INVALID: { site: 'certificateId' },
};

const KINDS: ProblemKind[] = ['upstream', 'site', 'service'];

/** What a change (or a draft) touched, and where each object's input sits in its request. */
export interface TouchedObjects {
  names(kind: ProblemKind): ReadonlySet<string>;
  touches(kind: ProblemKind, name: string): boolean;
  fieldOf(kind: ProblemKind, name: string, field: string): string;
}

/**
 * Rules that span objects (an Open WebUI container's published port and the upstream in front
 * of it, an app's timeout and the proxy's), over a state that holds the change: 422
 * INVARIANT_VIOLATED with the field of each touched object whose change would fix it, or null.
 * Only problems that involve a touched object count: a problem that was already there does not
 * block unrelated writes (the doctor and deploys still report it). Pure, so a saved change and a
 * draft preview answer alike.
 */
export function invariantViolation(state: FleetState, touched: TouchedObjects): AppError | null {
  const upstreams = touched.names('upstream');
  const sites = touched.names('site');
  if (!upstreams.size && !sites.size && !touched.names('service').size) return null;
  const ours = fleetProblems(state, { upstreams, sites }).filter((p) =>
    KINDS.some((k) => p.involves[k].some((name) => touched.touches(k, name))),
  );
  if (!ours.length) return null;
  const seen = new Set<string>();
  const details = ours
    .flatMap((p) => fieldErrors(touched, p))
    .filter((d) => !seen.has(`${d.field}|${d.reason}`) && seen.add(`${d.field}|${d.reason}`));
  return new AppError('INVARIANT_VIOLATED', ours.map((p) => p.error.message).join('; '), details);
}

/** A draft that is not saved: one object, its fields named as in a REST body. */
export function draftTouches(kind: ProblemKind, name: string): TouchedObjects {
  return {
    names: (k) => new Set(k === kind ? [name] : []),
    touches: (k, n) => k === kind && n === name,
    fieldOf: (_k, _n, field) => field,
  };
}

/** Checked when a change ends, on whichever side changed (StateWriter calls it). */
@Injectable()
export class FleetInvariants {
  constructor(private readonly state: DesiredStateService) {}

  async check(change: StateChange): Promise<void> {
    if (!KINDS.some((k) => change.names(k).size)) return;
    const violation = invariantViolation(await this.state.loadIn(change.tx), change);
    if (violation) throw violation;
  }
}

function fieldErrors(touched: TouchedObjects, problem: FleetProblem): FieldError[] {
  const reason = (problem.error.details as { reason: RenderErrorReason }).reason;
  return KINDS.flatMap((kind) =>
    problem.involves[kind]
      .filter((name) => touched.touches(kind, name))
      .map((name) => ({
        field: touched.fieldOf(kind, name, FIELDS[reason]?.[kind] ?? 'name'),
        message: problem.error.message,
        reason,
      })),
  );
}
