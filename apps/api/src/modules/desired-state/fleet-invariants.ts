import { Injectable } from '@nestjs/common';
import { AppError, type FieldError } from '../../common/errors/app-error.js';
import { type FleetProblem, fleetProblems, type ProblemKind } from '../render/fleet-problems.js';
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

/**
 * Rules that span objects (an Open WebUI container's published port and the upstream in front
 * of it, an app's timeout and the proxy's), checked when a change ends, on whichever side
 * changed. Only problems that involve an object of this change refuse it: a problem that was
 * already there does not block unrelated writes (the doctor and deploys still report it).
 */
@Injectable()
export class FleetInvariants {
  constructor(private readonly state: DesiredStateService) {}

  async check(change: StateChange): Promise<void> {
    const upstreams = change.names('upstream');
    const sites = change.names('site');
    const services = change.names('service');
    if (!upstreams.size && !sites.size && !services.size) return;
    const state = await this.state.loadIn(change.tx);
    const ours = fleetProblems(state, { upstreams, sites }).filter((p) =>
      KINDS.some((k) => p.involves[k].some((name) => change.touches(k, name))),
    );
    if (!ours.length) return;
    const seen = new Set<string>();
    const details = ours
      .flatMap((p) => fieldErrors(change, p))
      .filter((d) => !seen.has(`${d.field}|${d.reason}`) && seen.add(`${d.field}|${d.reason}`));
    throw new AppError('INVARIANT_VIOLATED', ours.map((p) => p.error.message).join('; '), details);
  }
}

function fieldErrors(change: StateChange, problem: FleetProblem): FieldError[] {
  const reason = (problem.error.details as { reason: RenderErrorReason }).reason;
  return KINDS.flatMap((kind) =>
    problem.involves[kind]
      .filter((name) => change.touches(kind, name))
      .map((name) => ({
        field: change.fieldOf(kind, name, FIELDS[reason]?.[kind] ?? 'name'),
        message: problem.error.message,
        reason,
      })),
  );
}
