import { AppError } from '../common/errors/app-error.js';
import { versionConflict } from '../common/http/versioning.js';
import type { Tx } from './prisma.service.js';

/** Tables whose rows writers lock. Names are fixed here, never taken from a request. */
export type LockableTable = 'Site' | 'Upstream' | 'Agent' | 'Service' | 'CertificatePolicy';

/**
 * Locks one row for the rest of the transaction, before it is read for a change. Concurrent
 * writers of the same row then queue instead of both reading the same version: a write that
 * names no version still applies on top of the latest one, and the snapshot it audits as
 * "before" is the state it really replaced. A no-op when the row does not exist.
 */
export async function lockRow(tx: Tx, table: LockableTable, id: string): Promise<void> {
  await tx.$queryRawUnsafe(`SELECT 1 FROM "${table}" WHERE "id" = $1::uuid FOR UPDATE`, id);
}

/**
 * The row a write is about to change: locked for the rest of the transaction, read, and held
 * against the version the client expects. 404 when it does not exist, 409 when it moved on.
 */
export async function lockForWrite<T extends { version: number }>(
  tx: Tx,
  table: LockableTable,
  id: string,
  expected: number | undefined,
  read: () => Promise<T | null>,
): Promise<T> {
  await lockRow(tx, table, id);
  const row = await read();
  if (!row) throw AppError.notFound(table, id);
  if (expected !== undefined && expected !== row.version)
    throw versionConflict(table, id, expected, row.version);
  return row;
}

/**
 * Ids of the rows with these names, share-locked until the transaction ends, so that a row
 * another transaction is about to reference cannot be deleted under it (and a row being
 * deleted is simply not found, instead of failing the insert on a foreign key).
 */
export async function lockNamed(
  tx: Tx,
  table: 'Upstream' | 'Agent' | 'CertificatePolicy',
  names: string[],
): Promise<Map<string, string>> {
  if (!names.length) return new Map();
  const rows = await tx.$queryRawUnsafe<{ id: string; name: string }[]>(
    `SELECT "id"::text AS id, "name" FROM "${table}" WHERE "name" = ANY($1::text[]) FOR SHARE`,
    names,
  );
  return new Map(rows.map((r) => [r.name, r.id]));
}
