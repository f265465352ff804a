import { applyDecorators } from '@nestjs/common';
import { ApiResponse, type OpenAPIObject } from '@nestjs/swagger';
import { z } from 'zod';

/**
 * Response shapes come from one source: a zod view schema beside each view mapping. The schema
 * types the mapping (`z.output`), is published in the OpenAPI document (`@ApiView`), and the
 * dashboard's types are generated from that document. Views are strict objects, so a field the
 * schema does not declare fails the response-schema test instead of leaking silently.
 */

/** A timestamp: a Date in code, an ISO 8601 string on the wire (what JSON.stringify makes of it). */
export const timestamp = z.codec(z.iso.datetime(), z.date(), {
  decode: (s) => new Date(s),
  encode: (d) => d.toISOString(),
});

/** Labels as every labelled resource carries them. */
export const labelsView = z.record(z.string(), z.string());

/** What every desired-state object (agent, upstream, site, service) carries besides its own fields. */
export const desiredStateFields = {
  labels: labelsView,
  version: z.int().describe('optimistic concurrency: send it back as If-Match or `version`'),
  createdAt: timestamp,
  updatedAt: timestamp,
};

/** The error body every 4xx/5xx carries (common/errors/error.filter.ts). */
export const errorView = z
  .strictObject({
    statusCode: z.int(),
    code: z.string(),
    message: z.string(),
    details: z.unknown().optional(),
  })
  .meta({ id: 'ApiError' });

/** A list as every paged endpoint answers it: {items, total, limit, offset}. */
export function pageView<T extends z.ZodType>(item: T, id: string) {
  return z
    .strictObject({ items: z.array(item), total: z.int(), limit: z.int(), offset: z.int() })
    .meta({ id });
}

/** An unpaged list: {items, total}. */
export function listView<T extends z.ZodType>(item: T, id: string) {
  return z.strictObject({ items: z.array(item), total: z.int() }).meta({ id });
}

/**
 * The OpenAPI (3.0) schema of a view as it travels: the codecs' wire side (`io: 'input'`), named
 * sub-schemas (`.meta({ id })`) under `definitions`, which Nest moves to components.
 */
export function toOpenApiSchema(schema: z.ZodType): Record<string, unknown> {
  return z.toJSONSchema(schema, { target: 'openapi-3.0', io: 'input' }) as Record<string, unknown>;
}

/**
 * Hands a view to @nestjs/swagger as a Standard JSON Schema whose "output" is the wire form: Nest
 * converts response schemas with their output side, which for a timestamp would be a Date.
 */
function wireSchema(schema: z.ZodType) {
  const convert = () => toOpenApiSchema(schema);
  return {
    '~standard': { version: 1 as const, vendor: 'portico', jsonSchema: { input: convert, output: convert } },
  };
}

const STATUS_TEXT: Record<number, string> = { 200: 'OK', 201: 'Created', 202: 'Accepted', 503: 'Not ready' };

/** Declares the body an operation answers with (200 unless given). */
export function ApiView(schema: z.ZodType, status = 200): MethodDecorator {
  return applyDecorators(
    ApiResponse({
      status,
      description: STATUS_TEXT[status] ?? String(status),
      standardSchema: wireSchema(schema),
    }),
  );
}

type OpenApiOperation = { responses?: Record<string, unknown> };

/**
 * Every operation can fail with the one error body, so it is declared once (components.schemas.
 * ApiError) and referenced as each operation's 4XX and 5XX answer instead of being decorated on
 * every handler.
 */
export function declareErrorBody(document: OpenAPIObject): void {
  const { definitions, ...root } = toOpenApiSchema(errorView) as {
    definitions?: Record<string, unknown>;
    $ref?: string;
  };
  document.components ??= {};
  document.components.schemas = { ...document.components.schemas, ...(definitions as object) };
  const body = {
    content: {
      'application/json': { schema: { $ref: root.$ref?.replace('#/definitions/', '#/components/schemas/') } },
    },
  };
  for (const operations of Object.values(document.paths)) {
    for (const op of Object.values(operations as object) as OpenApiOperation[]) {
      if (!op || typeof op !== 'object' || !op.responses) continue;
      op.responses['4XX'] ??= { description: 'Refused: {statusCode, code, message, details?}', ...body };
      op.responses['5XX'] ??= { description: 'Failed: {statusCode, code, message}', ...body };
    }
  }
}
