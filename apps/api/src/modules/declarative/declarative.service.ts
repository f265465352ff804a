import { Injectable } from '@nestjs/common';
import { AppError } from '../../common/errors/app-error.js';
import { PrismaService, type Tx } from '../../database/prisma.service.js';
import { AuditService } from '../audit/audit.service.js';
import type { Actor } from '../auth/principal.js';
import { DesiredStateService } from '../desired-state/desired-state.service.js';
import { StateChange } from '../desired-state/state-change.js';
import { StateWriter } from '../desired-state/state-writer.js';
import { RenderService } from '../render/render.service.js';
import { RevisionService } from '../revisions/revision.service.js';
import { FLEET_API_VERSION, type FleetDocument } from './dto/fleet-document.schema.js';
import { documentObjects, type FleetObjects, KINDS } from './fleet-objects.js';
import { type FleetPlan, planFleet } from './fleet-plan.js';
import { FleetReader } from './fleet-reader.js';
import { PlanExecutor } from './plan-executor.js';
import { type AgentFileDiff, diffAgentFiles } from './render-diff.js';

export interface ApplyResult extends FleetPlan {
  dryRun: boolean;
  /** Whether anything was written (false for a dry run and for a document that changes nothing). */
  applied: boolean;
  /** The revision after the apply (for a dry run: the current one). */
  revision: number;
  /** Dry run only: the rendered files each agent would get, compared with today's. */
  agents?: AgentFileDiff[];
}

/** Thrown inside a dry run's transaction so that everything it wrote is rolled back. */
class DryRunRollback extends Error {
  constructor(readonly result: ApplyResult) {
    super('dry run');
  }
}

// Applies of large documents write thousands of rows in one transaction; give them room.
const TX_OPTIONS = { maxWait: 30_000, timeout: 120_000 };

/**
 * Declarative apply and export. A plan is computed and carried out in ONE transaction, under
 * an advisory lock so two applies never plan against the same state. A dry run does the same
 * work and rolls it back, which proves the document would apply (every reference and
 * constraint is checked by the real write) and lets the renderer see the would-be state.
 */
@Injectable()
export class DeclarativeService {
  constructor(
    private readonly prisma: PrismaService,
    private readonly reader: FleetReader,
    private readonly executor: PlanExecutor,
    private readonly state: DesiredStateService,
    private readonly render: RenderService,
    private readonly revisions: RevisionService,
    private readonly writer: StateWriter,
    private readonly audit: AuditService,
  ) {}

  async apply(doc: FleetDocument, actor: Actor, dryRun: boolean): Promise<ApplyResult> {
    const desired = documentObjects(doc);
    if (dryRun) {
      try {
        await this.prisma.$transaction(async (tx) => {
          await lockApplies(tx);
          const before = await this.state.loadIn(tx);
          const plan = this.authorized(planFleet(await this.reader.read(tx), desired), actor);
          if (plan.changes.length) {
            await this.writer.runIn(tx, actor, (change) => this.executor.execute(change, plan, desired));
          }
          const after = plan.changes.length ? await this.state.loadIn(tx) : before;
          const agents = diffAgentFiles(before, after, (s, id) => this.render.renderAgent(s, id));
          throw new DryRunRollback({ ...plan, dryRun, applied: false, revision: before.revision, agents });
        }, TX_OPTIONS);
      } catch (error) {
        if (error instanceof DryRunRollback) return error.result;
        throw error;
      }
    }
    return this.prisma.$transaction(async (tx) => {
      await lockApplies(tx);
      const plan = this.authorized(planFleet(await this.reader.read(tx), desired), actor);
      if (!plan.changes.length) {
        return { ...plan, dryRun, applied: false, revision: await this.revisions.currentIn(tx) };
      }
      const change = new StateChange(tx, actor);
      await this.executor.execute(change, plan, desired);
      const revision = (await this.writer.end(change)) ?? (await this.revisions.currentIn(tx));
      await this.audit.record(tx, actor, {
        action: 'fleet.apply',
        targetType: 'fleet',
        after: { revision, summary: plan.summary, managed: plan.managed },
      });
      return { ...plan, dryRun, applied: true, revision };
    }, TX_OPTIONS);
  }

  /**
   * A document is refused whole when it changes anything its caller could not change through
   * the REST API, listing every such item (a dry run answers the same).
   */
  private authorized(plan: FleetPlan, actor: Actor): FleetPlan {
    const refused = this.executor.refused(plan, actor.principal.permissions);
    if (!refused.length) return plan;
    const list = refused.map((r) => `${r.action} ${r.kind} ${r.name} (needs "${r.required}")`).join(', ');
    throw new AppError('FORBIDDEN', `The document changes what your credentials may not: ${list}`, {
      items: refused,
    });
  }

  /** The whole desired state as a document that apply accepts, objects sorted by name. */
  async export(): Promise<{ revision: number; document: FleetDocument & FleetObjects }> {
    return this.prisma.$transaction(async (tx) => {
      const objects = await this.reader.read(tx);
      const sorted = Object.fromEntries(
        KINDS.map((k) => [
          k,
          [...objects[k]].sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0)),
        ]),
      ) as unknown as FleetObjects;
      return {
        revision: await this.revisions.currentIn(tx),
        document: { apiVersion: FLEET_API_VERSION, kind: 'Fleet', ...sorted } as FleetDocument & FleetObjects,
      };
    });
  }
}

async function lockApplies(tx: Tx): Promise<void> {
  await tx.$executeRaw`SELECT pg_advisory_xact_lock(hashtext('portico:declarative-apply'))`;
}
