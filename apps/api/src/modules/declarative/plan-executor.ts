import { Injectable } from '@nestjs/common';
import { AppError, type FieldError } from '../../common/errors/app-error.js';
import { AGENT_PERMISSION, AgentsService } from '../agents/agents.service.js';
import type { Permission } from '../auth/principal.js';
import {
  CERTIFICATE_POLICY_PERMISSION,
  CertificatePolicies,
} from '../certificates/policies/certificate-policies.service.js';
import type { StateChange } from '../desired-state/state-change.js';
import { SERVICE_PERMISSION, ServicesService } from '../services/services.service.js';
import { SITE_PERMISSION, SitesService } from '../sites/sites.service.js';
import { UPSTREAM_PERMISSION, UpstreamsService } from '../upstreams/upstreams.service.js';
import type { FleetObjects, Kind } from './fleet-objects.js';
import type { FleetPlan, PlannedChange } from './fleet-plan.js';

type Desired = Partial<FleetObjects>;
type Singular = PlannedChange['kind'];

/** What each kind's write operation requires: the aggregates' own constants, never a copy. */
const PERMISSION: Record<Singular, Permission> = {
  agent: AGENT_PERMISSION,
  upstream: UPSTREAM_PERMISSION,
  certificatePolicy: CERTIFICATE_POLICY_PERMISSION,
  site: SITE_PERMISSION,
  service: SERVICE_PERMISSION,
};

const SECTION: Record<Singular, Kind> = {
  agent: 'agents',
  upstream: 'upstreams',
  certificatePolicy: 'certificatePolicies',
  site: 'sites',
  service: 'services',
};

/** Operations one kind offers; every aggregate service has exactly these. */
interface Aggregate {
  idByName(change: StateChange, name: string): Promise<string | null>;
  createIn(change: StateChange, dto: never): Promise<unknown>;
  updateIn(change: StateChange, id: string, dto: never, expected: undefined): Promise<unknown>;
  removeIn(change: StateChange, id: string, expected: undefined): Promise<void>;
}

/**
 * Carries a plan out through each aggregate's own write operations, so a document is held to
 * exactly the rules of the REST API (permission, schema, references, invariants, audit). Order
 * matters for references: agents, upstreams and policies first, then the sites and services
 * that name them; deletions of what is named come last. Every object's problem is collected and
 * thrown together, under the object's path in the document; the caller's transaction then
 * rolls everything back.
 */
@Injectable()
export class PlanExecutor {
  private readonly aggregates: Record<Singular, Aggregate>;

  constructor(
    agents: AgentsService,
    upstreams: UpstreamsService,
    policies: CertificatePolicies,
    private readonly sites: SitesService,
    services: ServicesService,
  ) {
    this.aggregates = {
      agent: agents as unknown as Aggregate,
      upstream: upstreams as unknown as Aggregate,
      certificatePolicy: policies as unknown as Aggregate,
      site: sites as unknown as Aggregate,
      service: services as unknown as Aggregate,
    };
  }

  /** The changes of a plan the caller may not make, with the permission each needs. */
  refused(plan: FleetPlan, permissions: ReadonlySet<Permission>) {
    return plan.changes
      .filter((c) => !permissions.has(PERMISSION[c.kind]))
      .map((c) => ({ kind: c.kind, name: c.name, action: c.action, required: PERMISSION[c.kind] }));
  }

  async execute(change: StateChange, plan: FleetPlan, desired: Desired): Promise<void> {
    const errors: AppError[] = [];
    const pick = (kind: Singular, action: PlannedChange['action']) =>
      plan.changes.filter((c) => c.kind === kind && c.action === action).map((c) => c.name);
    const write = async (kind: Singular, action: PlannedChange['action'], name: string) => {
      const section = SECTION[kind];
      const index =
        (desired[section] as { name: string }[] | undefined)?.findIndex((o) => o.name === name) ?? -1;
      const object = index >= 0 ? (desired[section]![index] as never) : undefined;
      const aggregate = this.aggregates[kind];
      try {
        await change.within(index >= 0 ? `${section}.${index}` : section, async () => {
          if (action === 'create') return void (await aggregate.createIn(change, object!));
          const id = await aggregate.idByName(change, name);
          if (!id) throw AppError.notFound(kind, name);
          if (action === 'update') return void (await aggregate.updateIn(change, id, object!, undefined));
          await aggregate.removeIn(change, id, undefined);
        });
      } catch (error) {
        if (!(error instanceof AppError)) throw error;
        errors.push(error);
      }
    };
    const each = async (kind: Singular, action: PlannedChange['action']) => {
      for (const name of pick(kind, action)) await write(kind, action, name);
    };

    for (const kind of ['agent', 'upstream', 'certificatePolicy'] as const) {
      await each(kind, 'create');
      await each(kind, 'update');
    }
    await each('site', 'delete');
    await this.releaseHostnames(change, pick('site', 'update'));
    await each('site', 'create');
    await each('site', 'update');
    await each('service', 'delete');
    await each('service', 'create');
    await each('service', 'update');
    for (const kind of ['certificatePolicy', 'upstream', 'agent'] as const) await each(kind, 'delete');

    if (errors.length) throw combined(errors);
  }

  /** Sites being updated let go of their hostnames first, so a document can move one between sites. */
  private async releaseHostnames(change: StateChange, names: string[]): Promise<void> {
    const ids = await Promise.all(names.map((n) => this.sites.idByName(change, n)));
    await this.sites.releaseHostnamesIn(
      change,
      ids.filter((id): id is string => id !== null),
    );
  }
}

/** One error for the whole document: a single problem as it is, several as field errors. */
function combined(errors: AppError[]): AppError {
  if (errors.length === 1) return errors[0]!;
  const details: FieldError[] = errors.flatMap((e) =>
    Array.isArray(e.details)
      ? (e.details as FieldError[]).map((d) => ({ reason: e.code, ...d }))
      : [{ field: '(document)', message: e.message, reason: e.code }],
  );
  const codes = new Set(errors.map((e) => e.code));
  const code = codes.size === 1 ? errors[0]!.code : 'VALIDATION_FAILED';
  return new AppError(
    code,
    `The document cannot be applied: ${details.map((d) => `${d.field}: ${d.message}`).join('; ')}`,
    details,
  );
}
