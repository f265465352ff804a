import { randomBytes, randomInt, randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { PrismaPg } from '@prisma/adapter-pg';
import { migrate } from '../../apps/api/src/database/migrator.js';
import { MIGRATIONS_DIR } from '../../apps/api/src/database/paths.js';
import { PrismaClient } from '../../apps/api/src/generated/prisma/client.js';
import {
  columnsOf,
  listArgument,
  primaryKeyOf,
  readSchema,
  type Schema,
  type SchemaField,
  type SchemaModel,
} from '../support/prisma-schema.js';
import { TestDatabase } from '../support/test-database.js';

// Every model, with every column set to a value that is not its default, written through the
// generated client into the migrated database and read back unchanged. Models are discovered
// from the schema, so a new model is covered without touching this file.

let db: TestDatabase;
let prisma: PrismaClient;
let schema: Schema;

beforeAll(async () => {
  db = await TestDatabase.create('model_roundtrip');
  await migrate(db.url, MIGRATIONS_DIR);
  prisma = new PrismaClient({ adapter: new PrismaPg({ connectionString: db.url }) });
  schema = readSchema();
});

afterAll(async () => {
  await prisma?.$disconnect();
  await db?.drop();
});

type Row = Record<string, unknown>;
const delegate = (model: string) =>
  (
    prisma as unknown as Record<
      string,
      {
        create(a: object): Promise<Row>;
        findFirstOrThrow(a: object): Promise<Row>;
        updateMany(a: object): Promise<{ count: number }>;
        deleteMany(a: object): Promise<{ count: number }>;
      }
    >
  )[model[0]!.toLowerCase() + model.slice(1)]!;

/** A value of the field's type that differs from any default, including awkward text. */
function valueFor(field: SchemaField): unknown {
  const one = (): unknown => {
    const values = schema.enums.get(field.type);
    if (values) return values[values.length - 1];
    switch (field.type) {
      case 'String':
        return /@db\.Uuid/.test(field.attributes)
          ? randomUUID()
          : `${field.name} ‘quoted’ "x" ; {} \\ ${randomBytes(4).toString('hex')} 🚀`;
      case 'Int':
        return randomInt(2, 1_000_000);
      case 'Boolean':
        return !/@default\(true\)/.test(field.attributes);
      case 'DateTime':
        return new Date(Date.UTC(2031, 4, 6, 7, 8, 9, randomInt(0, 999)));
      case 'Json':
        return { nested: [1, 'two', { three: null, four: true }], unicode: 'naïve ✓' };
      default:
        throw new Error(`no sample for ${field.type}`);
    }
  };
  return field.list ? [one(), one()] : one();
}

/**
 * Creates one row of `model` with every column set, parents first; returns the data sent. An
 * optional reference back into a chain already being built (a self-relation) ends the chain.
 */
async function createFull(model: SchemaModel, chain: string[] = []): Promise<Row> {
  const data: Row = {};
  for (const f of columnsOf(schema, model)) data[f.name] = valueFor(f);
  for (const relation of model.fields.filter((f) => /@relation\([^)]*fields:/.test(f.attributes))) {
    const fields = listArgument(relation.attributes, 'fields')!;
    if (relation.optional && [...chain, model.name].includes(relation.type) && chain.length > 0) {
      for (const f of fields) data[f] = null;
      continue;
    }
    const parentModel = schema.models.find((m) => m.name === relation.type)!;
    const parent = await createFull(parentModel, [...chain, model.name]);
    const references = listArgument(relation.attributes, 'references')!;
    fields.forEach((f, i) => {
      data[f] = parent[references[i]!];
    });
  }
  await delegate(model.name).create({ data });
  return data;
}

const pkWhere = (model: SchemaModel, row: Row) =>
  Object.fromEntries(primaryKeyOf(model).map((k) => [k, row[k]]));

describe('every Prisma model round-trips through the client', () => {
  it('knows the models', () => {
    expect(schema.models.length).toBeGreaterThan(10);
  });

  it.each(readSchema().models.map((m) => [m.name]))('%s', async (name) => {
    const model = schema.models.find((m) => m.name === name)!;
    const sent = await createFull(model);
    const read = await delegate(name).findFirstOrThrow({ where: pkWhere(model, sent) });
    expect(read).toEqual(sent);

    // Nullable columns take null back, and the row can be removed.
    const nullable = columnsOf(schema, model).filter((f) => f.optional);
    if (nullable.length) {
      const cleared = Object.fromEntries(nullable.map((f) => [f.name, null]));
      await delegate(name).updateMany({ where: pkWhere(model, sent), data: cleared });
      expect(await delegate(name).findFirstOrThrow({ where: pkWhere(model, sent) })).toMatchObject(cleared);
    }
    expect(await delegate(name).deleteMany({ where: pkWhere(model, sent) })).toEqual({ count: 1 });
    await expect(delegate(name).findFirstOrThrow({ where: pkWhere(model, sent) })).rejects.toThrow();
  });
});
