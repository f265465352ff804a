import type { PrismaService } from '../../database/prisma.service.js';
import { SEALED_COLUMNS } from './sealed-columns.js';

/**
 * The master key's queries: its check value (one row) and the sealed columns of every feature
 * (sealed-columns.ts). The key belongs to all features at once, so this is the one place that
 * reads and rewrites their sealed values. Identifiers come from SEALED_COLUMNS, never from input.
 */
export class SecretsRepository {
  constructor(private readonly prisma: PrismaService) {}

  keyCheck() {
    return this.prisma.masterKeyCheck.findUnique({ where: { id: 1 } });
  }

  /** Records the check value unless another instance starting at the same time did; the row that won. */
  async recordKeyCheck(keyId: string, sealed: string) {
    await this.prisma.masterKeyCheck.createMany({ data: [{ id: 1, keyId, sealed }], skipDuplicates: true });
    return this.prisma.masterKeyCheck.findUniqueOrThrow({ where: { id: 1 } });
  }

  /** One sealed value from any sealed column, or null when the database holds none. */
  async sealedSample(): Promise<{ table: string; column: string; value: string } | null> {
    for (const { table, column } of SEALED_COLUMNS) {
      const rows = await this.prisma.$queryRawUnsafe<{ value: string }[]>(
        `SELECT "${column}" AS value FROM "${table}" WHERE "${column}" IS NOT NULL LIMIT 1`,
      );
      if (rows[0]) return { table, column, value: rows[0].value };
    }
    return null;
  }

  /**
   * Rewrites every sealed value (and the check value) through `reseal`, in one transaction
   * with the sealed tables locked: writers that seal meanwhile would seal under the old key.
   * Returns how many values each column held.
   */
  resealAll(
    reseal: (sealed: string) => string,
    check: { keyId: string; sealed: string },
  ): Promise<Record<string, number>> {
    return this.prisma.$transaction(
      async (tx) => {
        for (const { table } of SEALED_COLUMNS) {
          await tx.$executeRawUnsafe(`LOCK TABLE "${table}" IN SHARE ROW EXCLUSIVE MODE`);
        }
        const resealed: Record<string, number> = {};
        for (const { table, column, key } of SEALED_COLUMNS) {
          const rows = await tx.$queryRawUnsafe<{ key: string; value: string }[]>(
            `SELECT "${key}"::text AS key, "${column}" AS value FROM "${table}" WHERE "${column}" IS NOT NULL`,
          );
          for (const row of rows) {
            await tx.$executeRawUnsafe(
              `UPDATE "${table}" SET "${column}" = $1 WHERE "${key}"::text = $2`,
              reseal(row.value),
              row.key,
            );
          }
          resealed[`${table}.${column}`] = rows.length;
        }
        await tx.masterKeyCheck.update({ where: { id: 1 }, data: { ...check, rotatedAt: new Date() } });
        return resealed;
      },
      { maxWait: 30_000, timeout: 600_000 },
    );
  }
}
