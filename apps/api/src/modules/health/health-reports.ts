import { Injectable } from '@nestjs/common';
import type { Tx } from '../../database/prisma.service.js';
import { EventBus } from '../events/event-bus.js';
import { HealthRepository, type REPORTED_SUBJECTS } from './health.repository.js';
import type { HealthStatus } from './health-check.js';

/** A state another feature observes itself (a certificate's renewal), not a probe's result. */
export interface HealthReport {
  checkKey: string;
  subjectType: (typeof REPORTED_SUBJECTS)[number];
  subjectId: string;
  status: HealthStatus;
  message: string;
  detail: Record<string, unknown>;
}

/** What changed, to publish once the reporting transaction has committed. */
export interface ReportedTransition {
  report: HealthReport;
  from: HealthStatus;
  at: Date;
}

/**
 * The health feature's port for states it does not probe: the reporter writes them in its own
 * transaction (stored state, stored transition, the same tables probes use) and, after commit,
 * has the transition published as a `health.transition` like any other, so dashboards and the
 * event stream see renewals go red and back without the reporter knowing health's tables.
 */
@Injectable()
export class HealthReports {
  constructor(
    private readonly repo: HealthRepository,
    private readonly bus: EventBus,
  ) {}

  /** Stores the state; a transition when it differs from the stored one, else null. */
  async report(tx: Tx, report: HealthReport): Promise<ReportedTransition | null> {
    const at = new Date();
    const from = await this.repo.reportIn(tx, report, at);
    return from === report.status ? null : { report, from, at };
  }

  /** The state is good again and no longer tracked: an `up` transition when it was not. */
  async resolve(tx: Tx, report: Omit<HealthReport, 'status'>): Promise<ReportedTransition | null> {
    const at = new Date();
    const from = await this.repo.resolveIn(tx, report, at);
    return from === null ? null : { report: { ...report, status: 'up' }, from, at };
  }

  publish(transition: ReportedTransition | null): void {
    if (!transition) return;
    const { report, from, at } = transition;
    this.bus.publish({
      type: 'health.transition',
      at: at.toISOString(),
      topics: ['fleet'],
      checkKey: report.checkKey,
      subjectType: report.subjectType,
      subjectId: report.subjectId,
      status: report.status,
      from,
      message: report.message,
      detail: report.detail,
    });
  }
}
