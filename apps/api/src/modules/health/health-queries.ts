import { Injectable } from '@nestjs/common';
import type { HealthEventsQuery, HealthHistoryQuery, HealthQuery } from './dto/health-query.schema.js';
import { HealthRepository, type StoredState } from './health.repository.js';
import { HealthService } from './health.service.js';
import type { LatestResult } from './health-check.js';

export interface HealthItem extends StoredState {
  latest: LatestResult | null;
}

/** The read side, shared by the REST controller and the WebSocket snapshots. */
@Injectable()
export class HealthQueries {
  constructor(
    private readonly repo: HealthRepository,
    private readonly health: HealthService,
  ) {}

  async current(q: HealthQuery = {}): Promise<{ items: HealthItem[] }> {
    const rows = await this.repo.states();
    const filtered = rows.filter(
      (r) =>
        (!q.subjectType || r.subjectType === q.subjectType) && (!q.subjectId || r.subjectId === q.subjectId),
    );
    return { items: this.withLatest(filtered) };
  }

  /** Each check of one subject with its recent samples, for a response-time chart. */
  async history(q: HealthHistoryQuery) {
    const rows = await this.repo.statesOf(q.subjectType, q.subjectId);
    return {
      items: rows.map((r) => ({
        checkKey: r.checkKey,
        status: r.status,
        samples: this.health.samplesOf(r.checkKey),
      })),
    };
  }

  async events(q: HealthEventsQuery) {
    const { items, total } = await this.repo.events(q, q.offset, q.limit);
    return { items, total, limit: q.limit, offset: q.offset };
  }

  runtime() {
    return this.health.runtime();
  }

  async ofSubject(subjectType: string, subjectId: string): Promise<HealthItem[]> {
    return this.withLatest(await this.repo.statesOf(subjectType, subjectId));
  }

  async throughAgent(agentId: string): Promise<HealthItem[]> {
    return this.withLatest(await this.repo.statesThroughAgent(agentId));
  }

  private withLatest(rows: StoredState[]): HealthItem[] {
    const latest = new Map(this.health.latestFor(rows.map((r) => r.checkKey)).map((l) => [l.checkKey, l]));
    return rows.map((r) => ({ ...r, latest: latest.get(r.checkKey) ?? null }));
  }
}
