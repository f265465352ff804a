import { Controller, Get, Query } from '@nestjs/common';
import { ApiTags } from '@nestjs/swagger';
import { ApiView } from '../../common/http/view-schema.js';
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

@ApiTags('health')
@Controller('api/v1/health')
export class HealthController {
  constructor(private readonly queries: HealthQueries) {}

  /** Current state of every check (stored) with its latest probe result (live). */
  @ApiView(healthCurrentView)
  @Get()
  current(@Query({ schema: healthQuery }) q: HealthQuery) {
    return this.queries.current(q);
  }

  /** Stored transitions, newest first. */
  @ApiView(healthEventPageView)
  @Get('events')
  events(@Query({ schema: healthEventsQuery }) q: HealthEventsQuery) {
    return this.queries.events(q);
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
