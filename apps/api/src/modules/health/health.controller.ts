import { Controller, Get, Query } from '@nestjs/common';
import { ApiTags } from '@nestjs/swagger';
import { ApiView } from '../../common/http/view-schema.js';
import { CurrentActor } from '../auth/auth.decorators.js';
import type { Actor } from '../auth/principal.js';
import {
  type HealthEventsQuery,
  type HealthHistoryQuery,
  type HealthQuery,
  healthEventsQuery,
  healthHistoryQuery,
  healthQuery,
} from './dto/health-query.schema.js';
import {
  healthCurrentView,
  healthEventPageView,
  healthHistoryView,
  healthRuntimeView,
} from './health.view.js';
import { HealthQueries } from './health-queries.js';
import { eventForViewers, itemForViewers, seesProbeDetail } from './viewer-redaction.js';

/** Viewers read states, not socket errors (viewer-redaction.ts). */
const seesDetail = ({ principal }: Actor) => seesProbeDetail(principal.permissions);

@ApiTags('health')
@Controller('api/v1/health')
export class HealthController {
  constructor(private readonly queries: HealthQueries) {}

  /** Current state of every check (stored) with its latest probe result (live). */
  @ApiView(healthCurrentView)
  @Get()
  async current(@Query({ schema: healthQuery }) q: HealthQuery, @CurrentActor() actor: Actor) {
    const result = await this.queries.current(q);
    return seesDetail(actor) ? result : { items: result.items.map(itemForViewers) };
  }

  /** Stored transitions, newest first. */
  @ApiView(healthEventPageView)
  @Get('events')
  async events(@Query({ schema: healthEventsQuery }) q: HealthEventsQuery, @CurrentActor() actor: Actor) {
    const result = await this.queries.events(q);
    return seesDetail(actor) ? result : { ...result, items: result.items.map(eventForViewers) };
  }

  /** Recent response times and states of one subject's checks (the last 120 results each). */
  @ApiView(healthHistoryView)
  @Get('history')
  history(@Query({ schema: healthHistoryQuery }) q: HealthHistoryQuery) {
    return this.queries.history(q);
  }

  /** This instance's share of the checks and its scheduler figures. */
  @ApiView(healthRuntimeView)
  @Get('runtime')
  runtime() {
    return this.queries.runtime();
  }
}
