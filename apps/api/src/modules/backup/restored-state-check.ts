import { Injectable } from '@nestjs/common';
import { AppError, type FieldError } from '../../common/errors/app-error.js';
import type { Tx } from '../../database/prisma.service.js';
import type { Actor } from '../auth/principal.js';
import { FLEET_API_VERSION, fleetDocumentSchema } from '../declarative/dto/fleet-document.schema.js';
import { type FleetObjects, KINDS, type Kind } from '../declarative/fleet-objects.js';
import { FleetReader } from '../declarative/fleet-reader.js';
import { FleetInvariants } from '../desired-state/fleet-invariants.js';
import { StateChange } from '../desired-state/state-change.js';

const TABLE: Record<Kind, string> = {
  agents: 'Agent',
  upstreams: 'Upstream',
  certificatePolicies: 'CertificatePolicy',
  sites: 'Site',
  services: 'Service',
};

const SINGULAR = {
  agents: 'agent',
  upstreams: 'upstream',
  certificatePolicies: 'certificatePolicy',
  sites: 'site',
  services: 'service',
} as const;

export interface RestoreProblem {
  table: string;
  row: string;
  field: string;
  message: string;
  reason?: string;
}

/**
 * A restored database is held to the rules of every other door before its transaction commits:
 * each desired-state row, read back as the object a fleet document or a REST body would carry,
 * must pass the same schema, and together they must keep the same cross-object invariants.
 * A backup that breaks any of them is refused with the table, row and field of each problem.
 */
@Injectable()
export class RestoredStateCheck {
  constructor(
    private readonly reader: FleetReader,
    private readonly invariants: FleetInvariants,
  ) {}

  async check(tx: Tx, actor: Actor): Promise<void> {
    const objects = await this.reader.read(tx);
    const problems = schemaProblems(objects);
    if (!problems.length) problems.push(...(await this.invariantProblems(tx, actor, objects)));
    if (!problems.length) return;
    const list = problems
      .slice(0, 10)
      .map((p) => `${p.table} ${p.row}: ${p.field} ${p.message}`)
      .join('; ');
    throw new AppError('RESTORE_INVALID', `The backup holds objects Portico would refuse: ${list}`, {
      problems,
    });
  }

  private async invariantProblems(tx: Tx, actor: Actor, objects: FleetObjects): Promise<RestoreProblem[]> {
    const change = new StateChange(tx, actor);
    for (const kind of KINDS) {
      for (const [i, o] of objects[kind].entries()) change.touchAt(`${kind}.${i}`, SINGULAR[kind], o.name);
    }
    try {
      await this.invariants.check(change);
      return [];
    } catch (error) {
      if (!(error instanceof AppError) || !Array.isArray(error.details)) throw error;
      return (error.details as FieldError[]).map((d) => located(objects, d));
    }
  }
}

function schemaProblems(objects: FleetObjects): RestoreProblem[] {
  const parsed = fleetDocumentSchema.safeParse({ apiVersion: FLEET_API_VERSION, ...objects });
  if (parsed.success) return [];
  return parsed.error.issues.map((issue) =>
    located(objects, { field: issue.path.join('.'), message: issue.message }),
  );
}

/** `sites.3.routes.0.upstream` → table Site, row (the site's name), field routes.0.upstream. */
function located(objects: FleetObjects, error: FieldError): RestoreProblem {
  const [section, index, ...rest] = error.field.split('.');
  const kind = section as Kind;
  const row = objects[kind]?.[Number(index)]?.name ?? String(index);
  return {
    table: TABLE[kind] ?? String(section),
    row,
    field: rest.join('.') || '(row)',
    message: error.message,
    ...(error.reason ? { reason: error.reason } : {}),
  };
}
