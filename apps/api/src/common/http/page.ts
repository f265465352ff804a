import { z } from 'zod';

/** limit/offset paging shared by every list endpoint; lists answer {items, total, limit, offset}. */
export const pageSchema = z.strictObject({
  limit: z.coerce.number().int().min(1).max(500).default(50),
  offset: z.coerce.number().int().min(0).default(0),
});

/** `?label=env=prod` (repeatable in one value as env=prod,tier=edge). */
export const labelFilter = z
  .string()
  .regex(
    /^[a-z0-9][a-z0-9._/-]*=[A-Za-z0-9._-]*(,[a-z0-9][a-z0-9._/-]*=[A-Za-z0-9._-]*)*$/,
    'must be key=value[,key=value]',
  )
  .transform((s) => Object.fromEntries(s.split(',').map((kv) => kv.split('=') as [string, string])));

export interface Page<T> {
  items: T[];
  total: number;
  limit: number;
  offset: number;
}

/** Prisma conditions for "labels contain every key=value" on a JSONB labels column. */
export function labelConditions(labels: Record<string, string> | undefined) {
  return Object.entries(labels ?? {}).map(([key, value]) => ({ labels: { path: [key], equals: value } }));
}
