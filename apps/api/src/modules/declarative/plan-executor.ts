import { Injectable } from '@nestjs/common';
import { AppError, type FieldError } from '../../common/errors/app-error.js';
import type { Tx } from '../../database/prisma.service.js';
import { AuditService } from '../audit/audit.service.js';
import type { Actor } from '../auth/principal.js';
import { policyProblem } from '../sites/policy-problem.js';
import type {
  AgentObject,
  FleetObjects,
  ServiceObject,
  SiteObject,
  UpstreamObject,
} from './fleet-objects.js';
import type { FleetPlan, PlannedChange } from './fleet-plan.js';

type Desired = Partial<FleetObjects>;

/**
 * Carries a plan out inside the caller's transaction. Order matters for references: agents and
 * upstreams are written first, then sites and services that point at them, and deletions of
 * upstreams and agents come last. Every problem found (unknown names, missing certificates,
 * upstreams still in use) is collected and thrown as one VALIDATION_FAILED, which rolls the
 * whole transaction back.
 */
@Injectable()
export class PlanExecutor {
  constructor(private readonly audit: AuditService) {}

  async execute(tx: Tx, plan: FleetPlan, desired: Desired, actor: Actor): Promise<void> {
    const pick = (kind: PlannedChange['kind'], action: PlannedChange['action']) =>
      plan.changes.filter((c) => c.kind === kind && c.action === action).map((c) => c.name);
    const find = <T extends { name: string }>(list: T[] | undefined, name: string) =>
      list!.find((o) => o.name === name)!;
    const errors: FieldError[] = [];

    for (const name of pick('agent', 'create')) {
      const row = await tx.agent.create({ data: agentData(find(desired.agents, name)) });
      await this.record(tx, actor, 'agent.create', 'agent', row.id, find(desired.agents, name));
    }
    for (const name of pick('agent', 'update')) {
      const row = await tx.agent.update({
        where: { name },
        data: { ...agentData(find(desired.agents, name)), version: { increment: 1 } },
      });
      await this.record(tx, actor, 'agent.update', 'agent', row.id, find(desired.agents, name));
    }
    for (const name of pick('upstream', 'create')) {
      const row = await tx.upstream.create({ data: upstreamData(find(desired.upstreams, name)) });
      await this.record(tx, actor, 'upstream.create', 'upstream', row.id, find(desired.upstreams, name));
    }
    for (const name of pick('upstream', 'update')) {
      const row = await tx.upstream.update({
        where: { name },
        data: { ...upstreamData(find(desired.upstreams, name)), version: { increment: 1 } },
      });
      await this.record(tx, actor, 'upstream.update', 'upstream', row.id, find(desired.upstreams, name));
    }

    await this.writePolicies(tx, pick, desired, actor, errors);

    const agentIds = await idsByName(tx.agent.findMany({ select: { id: true, name: true } }));
    const upstreamIds = await idsByName(tx.upstream.findMany({ select: { id: true, name: true } }));
    const policies = new Map(
      (await tx.certificatePolicy.findMany({ select: { id: true, name: true, challenge: true } })).map(
        (p) => [p.name, p],
      ),
    );

    // Sites: deletions and released hostnames first, so hostnames can move between sites.
    for (const name of pick('site', 'delete')) {
      const row = await tx.site.delete({ where: { name } });
      await this.record(tx, actor, 'site.delete', 'site', row.id, undefined);
    }
    const siteUpdates = pick('site', 'update');
    await tx.siteHostname.deleteMany({ where: { site: { name: { in: siteUpdates } } } });
    const siteWrites = [...pick('site', 'create'), ...siteUpdates];
    for (const name of siteWrites) {
      const index = desired.sites!.findIndex((s) => s.name === name);
      const site = desired.sites![index]!;
      const children = await this.siteChildren(tx, site, index, agentIds, upstreamIds, policies, errors);
      if (!children) continue;
      const { hostnames, routes, agents: _a, certificatePolicy: _p, ...rest } = site;
      const fields = { ...rest, certificatePolicyId: children.certificatePolicyId };
      const exists = siteUpdates.includes(name);
      const row = exists
        ? await tx.site.update({ where: { name }, data: { ...fields, version: { increment: 1 } } })
        : await tx.site.create({ data: fields });
      await tx.route.deleteMany({ where: { siteId: row.id } });
      await tx.sitePlacement.deleteMany({ where: { siteId: row.id } });
      await tx.siteHostname.createMany({
        data: hostnames.map((hostname, position) => ({ hostname, siteId: row.id, position })),
      });
      await tx.route.createMany({
        data: children.routes.map((r, position) => ({ ...r, siteId: row.id, position })),
      });
      await tx.sitePlacement.createMany({
        data: children.agentIds.map((agentId) => ({ agentId, siteId: row.id })),
      });
      await this.record(tx, actor, exists ? 'site.update' : 'site.create', 'site', row.id, site);
    }

    for (const name of pick('service', 'delete')) {
      const row = await tx.service.delete({ where: { name } });
      await this.record(tx, actor, 'service.delete', 'service', row.id, undefined);
    }
    const serviceUpdates = pick('service', 'update');
    for (const name of [...pick('service', 'create'), ...serviceUpdates]) {
      const index = desired.services!.findIndex((s) => s.name === name);
      const service = desired.services![index]!;
      const placements = service.agents.flatMap((agent, i) => {
        const agentId = agentIds.get(agent);
        if (!agentId)
          errors.push({ field: `services.${index}.agents.${i}`, message: `no agent named ${agent}` });
        return agentId ? [agentId] : [];
      });
      const exists = serviceUpdates.includes(name);
      const data = serviceData(service);
      const row = exists
        ? await tx.service.update({ where: { name }, data: { ...data, version: { increment: 1 } } })
        : await tx.service.create({ data });
      await tx.servicePlacement.deleteMany({ where: { serviceId: row.id } });
      await tx.servicePlacement.createMany({
        data: placements.map((agentId) => ({ agentId, serviceId: row.id })),
      });
      await this.record(tx, actor, exists ? 'service.update' : 'service.create', 'service', row.id, service);
    }

    for (const name of pick('certificatePolicy', 'delete')) {
      const users = await tx.site.findMany({
        where: { certificatePolicy: { name } },
        select: { name: true },
      });
      if (users.length) {
        errors.push({
          field: 'certificatePolicies',
          message: `certificate policy ${name} is still used by sites: ${users.map((u) => u.name).join(', ')}`,
        });
        continue;
      }
      const row = await tx.certificatePolicy.delete({ where: { name } });
      await this.record(tx, actor, 'certificate-policy.delete', 'certificate-policy', row.id, undefined);
    }
    for (const name of pick('upstream', 'delete')) {
      const users = await tx.site.findMany({
        where: { routes: { some: { upstream: { name } } } },
        select: { name: true },
      });
      if (users.length) {
        errors.push({
          field: 'upstreams',
          message: `upstream ${name} is still used by sites: ${users.map((u) => u.name).join(', ')}`,
        });
        continue;
      }
      const row = await tx.upstream.delete({ where: { name } });
      await this.record(tx, actor, 'upstream.delete', 'upstream', row.id, undefined);
    }
    for (const name of pick('agent', 'delete')) {
      const row = await tx.agent.delete({ where: { name } });
      await this.record(tx, actor, 'agent.delete', 'agent', row.id, undefined);
    }

    if (errors.length) {
      throw new AppError(
        'VALIDATION_FAILED',
        `The document cannot be applied: ${errors.map((e) => `${e.field}: ${e.message}`).join('; ')}`,
        errors,
      );
    }
  }

  /** Resolves a site's references; records every problem and returns null if there was one. */
  private async siteChildren(
    tx: Tx,
    site: SiteObject,
    index: number,
    agentIds: Map<string, string>,
    upstreamIds: Map<string, string>,
    policies: Map<string, { id: string; name: string; challenge: string }>,
    errors: FieldError[],
  ) {
    const before = errors.length;
    const at = (field: string) => `sites.${index}.${field}`;
    const routes = site.routes.map((r, i) => {
      const upstreamId = upstreamIds.get(r.upstream);
      if (!upstreamId)
        errors.push({ field: at(`routes.${i}.upstream`), message: `no upstream named ${r.upstream}` });
      return { pathPrefix: r.pathPrefix, streaming: r.streaming, upstreamId: upstreamId ?? '' };
    });
    const ids = site.agents.map((a, i) => {
      const agentId = agentIds.get(a);
      if (!agentId) errors.push({ field: at(`agents.${i}`), message: `no agent named ${a}` });
      return agentId ?? '';
    });
    if (site.tlsMode === 'uploaded' && !site.certificateId) {
      errors.push({ field: at('certificateId'), message: 'is required when tlsMode is uploaded' });
    }
    if (
      site.certificateId &&
      !(await tx.certificate.findUnique({ where: { id: site.certificateId }, select: { id: true } }))
    ) {
      errors.push({ field: at('certificateId'), message: `no certificate ${site.certificateId}` });
    }
    const policy = site.certificatePolicy === null ? null : policies.get(site.certificatePolicy);
    if (policy === undefined) {
      errors.push({
        field: at('certificatePolicy'),
        message: `no certificate policy named ${site.certificatePolicy}`,
      });
    }
    const problem = policyProblem(site.tlsMode, site.hostnames, policy ?? null);
    if (problem) errors.push({ field: at('certificatePolicy'), message: problem });
    const taken = await tx.siteHostname.findMany({
      where: { hostname: { in: site.hostnames }, site: { name: { not: site.name } } },
      include: { site: { select: { name: true } } },
    });
    for (const t of taken) {
      errors.push({ field: at('hostnames'), message: `${t.hostname} is served by site ${t.site.name}` });
    }
    return errors.length > before ? null : { routes, agentIds: ids, certificatePolicyId: policy?.id ?? null };
  }

  /** Policies are written before the sites that name them; each needs its ACME account to exist. */
  private async writePolicies(
    tx: Tx,
    pick: (kind: PlannedChange['kind'], action: PlannedChange['action']) => string[],
    desired: Desired,
    actor: Actor,
    errors: FieldError[],
  ): Promise<void> {
    const updates = pick('certificatePolicy', 'update');
    const names = [...pick('certificatePolicy', 'create'), ...updates];
    if (!names.length) return;
    const accounts = new Map(
      (await tx.acmeAccount.findMany({ select: { id: true, directoryUrl: true } })).map((a) => [
        a.directoryUrl,
        a.id,
      ]),
    );
    for (const name of names) {
      const index = desired.certificatePolicies!.findIndex((p) => p.name === name);
      const policy = desired.certificatePolicies![index]!;
      const accountId = accounts.get(policy.directory);
      if (!accountId) {
        errors.push({
          field: `certificatePolicies.${index}.directory`,
          message: `no ACME account for ${policy.directory}: create one first (POST /api/v1/acme-accounts)`,
        });
        continue;
      }
      const { directory: _d, ...fields } = policy;
      const exists = updates.includes(name);
      const row = exists
        ? await tx.certificatePolicy.update({
            where: { name },
            data: { ...fields, accountId, version: { increment: 1 } },
          })
        : await tx.certificatePolicy.create({ data: { ...fields, accountId } });
      const action = exists ? 'certificate-policy.update' : 'certificate-policy.create';
      await this.record(tx, actor, action, 'certificate-policy', row.id, policy);
    }
  }

  private record(tx: Tx, actor: Actor, action: string, targetType: string, targetId: string, after: unknown) {
    return this.audit.record(tx, actor, { action, targetType, targetId, after: after ?? null });
  }
}

async function idsByName(rows: Promise<{ id: string; name: string }[]>): Promise<Map<string, string>> {
  return new Map((await rows).map((r) => [r.name, r.id]));
}

const agentData = (a: AgentObject) => ({ ...a });
const upstreamData = (u: UpstreamObject) => ({ ...u });
const serviceData = ({ agents: _a, options, ...s }: ServiceObject) => ({
  ...s,
  options: options as Record<string, never>,
});
