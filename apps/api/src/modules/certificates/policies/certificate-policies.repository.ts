import { Injectable } from '@nestjs/common';
import { PrismaService, type Tx } from '../../../database/prisma.service.js';
import type { Prisma } from '../../../generated/prisma/client.js';

/** A policy with its account's directory and the sites using it. */
const POLICY_INCLUDE = {
  account: { select: { directoryUrl: true } },
  sites: { select: { name: true }, orderBy: { name: 'asc' } },
} as const satisfies Prisma.CertificatePolicyInclude;

export type PolicyRow = Prisma.CertificatePolicyGetPayload<{ include: typeof POLICY_INCLUDE }>;

type PolicyFields = Omit<Prisma.CertificatePolicyUncheckedCreateInput, 'id' | 'version'>;

@Injectable()
export class CertificatePoliciesRepository {
  constructor(private readonly prisma: PrismaService) {}

  list(): Promise<PolicyRow[]> {
    return this.prisma.certificatePolicy.findMany({ include: POLICY_INCLUDE, orderBy: { name: 'asc' } });
  }

  find(id: string, tx: Tx | PrismaService = this.prisma): Promise<PolicyRow | null> {
    return tx.certificatePolicy.findUnique({ where: { id }, include: POLICY_INCLUDE });
  }

  async idByName(tx: Tx, name: string): Promise<string | null> {
    return (await tx.certificatePolicy.findUnique({ where: { name }, select: { id: true } }))?.id ?? null;
  }

  /** The id of the ACME account of a directory URL, share-locked so it stays while the change runs. */
  async accountIdOf(tx: Tx, directoryUrl: string): Promise<string | null> {
    const [row] = await tx.$queryRaw<{ id: string }[]>`
      SELECT "id"::text AS id FROM "AcmeAccount" WHERE "directoryUrl" = ${directoryUrl} FOR SHARE`;
    return row?.id ?? null;
  }

  create(tx: Tx, data: PolicyFields): Promise<PolicyRow> {
    return tx.certificatePolicy.create({ data, include: POLICY_INCLUDE });
  }

  /** Updates only if the row still has `version`; returns null when someone else got there first. */
  async updateAtVersion(
    tx: Tx,
    id: string,
    version: number,
    data: Prisma.CertificatePolicyUncheckedUpdateManyInput,
  ): Promise<PolicyRow | null> {
    const { count } = await tx.certificatePolicy.updateMany({
      where: { id, version },
      data: { ...data, version: version + 1 },
    });
    return count ? tx.certificatePolicy.findUniqueOrThrow({ where: { id }, include: POLICY_INCLUDE }) : null;
  }

  async delete(tx: Tx, id: string): Promise<void> {
    await tx.certificatePolicy.delete({ where: { id } });
  }

  /** An ACME site on this policy with a wildcard name, if any. */
  wildcardSite(tx: Tx, policyId: string) {
    return tx.site.findFirst({
      where: {
        certificatePolicyId: policyId,
        tlsMode: 'acme',
        hostnames: { some: { hostname: { startsWith: '*.' } } },
      },
      select: { name: true },
    });
  }
}
