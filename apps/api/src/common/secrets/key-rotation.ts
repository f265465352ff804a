import type { PrismaService } from '../../database/prisma.service.js';
import { KEY_CHECK_TEXT } from './master-key.js';
import { SEALED_COLUMNS } from './sealed-columns.js';
import type { SecretBox } from './secret-box.js';

/**
 * Re-seals every sealed value and the check value under `next`, in one transaction: a rotation
 * that fails half-way leaves every secret under the old key. This is the one place that writes
 * across features' tables, because a key belongs to all of them at once.
 */
export async function rotateMasterKey(
  prisma: PrismaService,
  current: SecretBox,
  next: SecretBox,
): Promise<{ resealed: Record<string, number> }> {
  const resealed: Record<string, number> = {};
  await prisma.$transaction(
    async (tx) => {
      // Writers that seal while we rotate would seal under the old key: hold them off.
      for (const { table } of SEALED_COLUMNS) {
        await tx.$executeRawUnsafe(`LOCK TABLE "${table}" IN SHARE ROW EXCLUSIVE MODE`);
      }
      for (const { table, column, key } of SEALED_COLUMNS) {
        // Identifiers come from the constant list, never from input.
        const rows = await tx.$queryRawUnsafe<{ key: string; value: string }[]>(
          `SELECT "${key}"::text AS key, "${column}" AS value FROM "${table}" WHERE "${column}" IS NOT NULL`,
        );
        for (const row of rows) {
          await tx.$executeRawUnsafe(
            `UPDATE "${table}" SET "${column}" = $1 WHERE "${key}"::text = $2`,
            next.seal(current.open(row.value)),
            row.key,
          );
        }
        resealed[`${table}.${column}`] = rows.length;
      }
      await tx.masterKeyCheck.update({
        where: { id: 1 },
        data: { keyId: next.keyId, sealed: next.seal(KEY_CHECK_TEXT), rotatedAt: new Date() },
      });
    },
    { maxWait: 30_000, timeout: 600_000 },
  );
  return { resealed };
}
