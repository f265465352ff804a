import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { REPO_ROOT } from './built-app.js';

// prisma/schema.prisma read into plain data. The `prisma-client` generator ships no DMMF at run
// time, so the tests parse the schema themselves and check the parse against the generated
// client's own model and field lists (see schema-drift.e2e-spec.ts) before trusting it.

export interface SchemaField {
  name: string;
  /** Scalar type (String, Int…), enum name or, for a relation, the model name. */
  type: string;
  optional: boolean;
  list: boolean;
  attributes: string;
}

export interface SchemaModel {
  name: string;
  fields: SchemaField[];
  blockAttributes: string[];
}

export interface Schema {
  models: SchemaModel[];
  enums: Map<string, string[]>;
}

const SCALARS = new Set([
  'String',
  'Int',
  'BigInt',
  'Float',
  'Decimal',
  'Boolean',
  'DateTime',
  'Json',
  'Bytes',
]);

export function readSchema(path = join(REPO_ROOT, 'prisma/schema.prisma')): Schema {
  const text = readFileSync(path, 'utf8')
    .split('\n')
    .map((l) => l.replace(/\/\/.*$/, '').trim())
    .filter(Boolean);
  const models: SchemaModel[] = [];
  const enums = new Map<string, string[]>();
  let current: { kind: 'model' | 'enum' | 'other'; name: string; lines: string[] } | null = null;
  for (const line of text) {
    const open = /^(model|enum|generator|datasource)\s+(\w+)\s*\{$/.exec(line);
    if (open) {
      const kind = open[1] === 'model' || open[1] === 'enum' ? open[1] : 'other';
      current = { kind, name: open[2]!, lines: [] };
      continue;
    }
    if (line === '}' && current) {
      if (current.kind === 'enum')
        enums.set(
          current.name,
          current.lines.map((l) => l.split(/\s+/)[0]!),
        );
      if (current.kind === 'model') models.push(parseModel(current.name, current.lines));
      current = null;
      continue;
    }
    current?.lines.push(line);
  }
  return { models, enums };
}

function parseModel(name: string, lines: string[]): SchemaModel {
  const fields: SchemaField[] = [];
  const blockAttributes: string[] = [];
  for (const line of lines) {
    if (line.startsWith('@@')) {
      blockAttributes.push(line);
      continue;
    }
    const m = /^(\w+)\s+(\w+)(\[\])?(\?)?\s*(.*)$/.exec(line);
    if (!m) throw new Error(`cannot read field line in ${name}: ${line}`);
    fields.push({
      name: m[1]!,
      type: m[2]!,
      list: m[3] === '[]',
      optional: m[4] === '?',
      attributes: m[5] ?? '',
    });
  }
  return { name, fields, blockAttributes };
}

export const isScalarOrEnum = (schema: Schema, f: SchemaField) =>
  SCALARS.has(f.type) || schema.enums.has(f.type);

/** Columns of the model's table, in declaration order. */
export const columnsOf = (schema: Schema, model: SchemaModel) =>
  model.fields.filter((f) => isScalarOrEnum(schema, f));

/** The [fields] list of a @relation(fields: [...], references: [...]) or @@id([...]). */
export const listArgument = (text: string, key?: string) => {
  const m = key ? new RegExp(`${key}:\\s*\\[([^\\]]*)\\]`).exec(text) : /\(\s*\[([^\]]*)\]/.exec(text);
  return m ? m[1]!.split(',').map((s) => s.trim()) : null;
};

/** Primary-key columns: a field's @id or the model's @@id([...]). */
export function primaryKeyOf(model: SchemaModel): string[] {
  const single = model.fields.find((f) => /(^|\s)@id\b/.test(f.attributes));
  if (single) return [single.name];
  const block = model.blockAttributes.find((a) => a.startsWith('@@id('));
  if (!block) throw new Error(`${model.name} has no primary key`);
  return listArgument(block)!;
}
