import { Controller, Get, HttpCode, Post, Query, Req, Res } from '@nestjs/common';
import { ApiBody, ApiConsumes, ApiTags } from '@nestjs/swagger';
import type { Request, Response } from 'express';
import { parse as parseYaml, stringify as toYaml } from 'yaml';
import { z } from 'zod';
import { AppError } from '../../common/errors/app-error.js';
import { bodyWasParsed, readRawBody } from '../../common/http/raw-body.js';
import { toFieldErrors } from '../../common/http/validation.js';
import { ApiView } from '../../common/http/view-schema.js';
import { CurrentActor, Requires } from '../auth/auth.decorators.js';
import type { Actor } from '../auth/principal.js';
import { DeploymentsService } from '../deployments/deployments.service.js';
import { applyResultView } from './apply-result.view.js';
import { DeclarativeService } from './declarative.service.js';
import { type FleetDocument, fleetDocumentSchema } from './dto/fleet-document.schema.js';

const flag = z
  .enum(['true', 'false', '1', '0'])
  .transform((v) => v === 'true' || v === '1')
  .optional();

const applyQuery = z.strictObject({
  dryRun: flag.describe('compute the plan and the file diff, change nothing'),
  deploy: flag.describe('after applying, start a deployment to every agent (needs the deploy permission)'),
});

const exportQuery = z.strictObject({
  format: z.enum(['json', 'yaml']).optional().describe('default json'),
});

const DOCUMENT_LIMIT = 10 * 1024 * 1024;

/** Declarative automation: a fleet document in (YAML or JSON), a plan out; the state as a document. */
@ApiTags('automation')
@Controller('api/v1')
export class DeclarativeController {
  constructor(
    private readonly declarative: DeclarativeService,
    private readonly deployments: DeploymentsService,
  ) {}

  @ApiView(applyResultView)
  @Post('apply')
  @HttpCode(200)
  @Requires('write')
  @ApiConsumes('application/json', 'application/yaml')
  @ApiBody({ description: 'a fleet document (docs/automation.md)', schema: { type: 'object' } })
  async apply(
    @Req() req: Request,
    @Query({ schema: applyQuery }) q: z.infer<typeof applyQuery>,
    @CurrentActor() actor: Actor,
  ) {
    const deploy = (q.deploy ?? false) && !q.dryRun;
    if (deploy && !actor.principal.permissions.has('deploy')) {
      throw new AppError('FORBIDDEN', 'deploy=true needs the "deploy" permission as well');
    }
    const result = await this.declarative.apply(await readDocument(req), actor, q.dryRun ?? false);
    if (!deploy) return result;
    const { deployment } = await this.deployments.create({ all: true }, actor);
    return { ...result, deployment };
  }

  @ApiView(fleetDocumentSchema)
  @Get('export')
  async export(@Query({ schema: exportQuery }) q: z.infer<typeof exportQuery>, @Res() res: Response) {
    const { revision, document } = await this.declarative.export();
    res.setHeader('X-Portico-Revision', String(revision));
    if (q.format === 'yaml') {
      res.type('application/yaml').send(toYaml(document, { aliasDuplicateObjects: false }));
    } else {
      res.json(document);
    }
  }
}

/** JSON bodies arrive parsed; YAML (or anything else) is read here and parsed as YAML 1.2. */
async function readDocument(req: Request): Promise<FleetDocument> {
  let value: unknown;
  if (bodyWasParsed(req)) {
    value = req.body;
  } else {
    const text = await readRawBody(req, DOCUMENT_LIMIT);
    try {
      value = parseYaml(text, { maxAliasCount: 100 });
    } catch (error) {
      const message = error instanceof Error ? error.message.split('\n')[0]! : 'cannot be parsed';
      throw new AppError('VALIDATION_FAILED', `The document is not valid YAML: ${message}`, [
        { field: '(body)', message: 'is not valid YAML' },
      ]);
    }
  }
  const parsed = fleetDocumentSchema.safeParse(value);
  if (!parsed.success) {
    const details = toFieldErrors(parsed.error.issues);
    throw new AppError(
      'VALIDATION_FAILED',
      `Invalid document: ${details.map((d) => `${d.field}: ${d.message}`).join('; ')}`,
      details,
    );
  }
  return parsed.data;
}
