import { Ajv, type ValidateFunction } from 'ajv';
import type { ApiResponse } from './api-client.js';

type Schema = Record<string, unknown>;
type ResponseObject = { content?: Record<string, { schema?: Schema }> };
export interface OpenApiDocument {
  paths: Record<string, Record<string, { responses?: Record<string, ResponseObject> }>>;
  components: { schemas: Record<string, Schema> };
}

/**
 * Holds real response bodies to the schema the OpenAPI document declares for their operation and
 * status (the exact status, else its 4XX/5XX class). Views are strict objects, so a field the
 * schema does not declare is as much a failure as a missing one.
 */
export class ResponseSchemas {
  // OpenAPI 3.0 schemas: `nullable` is understood by Ajv; formats are checked by zod's patterns.
  private readonly ajv = new Ajv({ strict: false, allErrors: true, validateFormats: false });
  private readonly compiled = new Map<string, ValidateFunction>();
  /** "GET /api/v1/sites/{id}" → statuses seen. */
  readonly exercised = new Map<string, Set<number>>();

  private readonly components: Schema;

  constructor(readonly doc: OpenApiDocument) {
    this.components = forAjv(doc.components) as Schema;
  }

  /** The declared schema of an operation's answer with this status, if any. */
  schemaFor(method: string, path: string, status: number): Schema | undefined {
    const responses = this.doc.paths[path]?.[method.toLowerCase()]?.responses ?? {};
    const response = responses[String(status)] ?? responses[`${String(status)[0]}XX`];
    return response?.content?.['application/json']?.schema;
  }

  /** Problems of `body` against the declared schema; [] when it conforms. */
  problems(method: string, path: string, status: number, body: unknown): string[] {
    const key = `${method.toUpperCase()} ${path} ${status}`;
    if (status === 204) return body === '' || body === undefined ? [] : [`${key}: 204 with a body`];
    const schema = this.schemaFor(method, path, status);
    if (!schema) return [`${key}: the document declares no schema for this answer`];
    let validate = this.compiled.get(key);
    if (!validate) {
      validate = this.ajv.compile({ ...(forAjv(schema) as Schema), components: this.components });
      this.compiled.set(key, validate);
    }
    if (validate(body)) return [];
    return (validate.errors ?? []).map(
      (e) =>
        `${key}: ${e.instancePath || '(body)'} ${e.message}${e.params ? ` ${JSON.stringify(e.params)}` : ''}`,
    );
  }

  /** Records the call and returns the problems of its answer (tests expect them to be []). */
  check(method: string, path: string, res: ApiResponse): string[] {
    const op = `${method.toUpperCase()} ${path}`;
    if (!this.exercised.has(op)) this.exercised.set(op, new Set());
    this.exercised.get(op)!.add(res.status);
    return this.problems(method, path, res.status, res.body);
  }
}

/**
 * OpenAPI 3.0 lets `nullable` stand beside a composition without a `type` (zod writes
 * `{nullable, allOf: [$ref]}` for a nullable named schema); Ajv needs that spelled as anyOf null.
 */
function forAjv(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(forAjv);
  if (!value || typeof value !== 'object') return value;
  const entries = Object.entries(value).map(([k, v]) => [k, forAjv(v)] as const);
  const out: Record<string, unknown> = Object.fromEntries(entries);
  if (out.nullable === true && out.type === undefined) {
    const { nullable: _, ...rest } = out;
    return { anyOf: [rest, { type: 'null' }] };
  }
  return out;
}
