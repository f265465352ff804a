import { z } from 'zod';
import { listView, timestamp } from '../../../common/http/view-schema.js';
import type { Prisma } from '../../../generated/prisma/client.js';

export const POLICY_INCLUDE = {
  account: { select: { directoryUrl: true } },
  sites: { select: { name: true }, orderBy: { name: 'asc' } },
} as const satisfies Prisma.CertificatePolicyInclude;

type PolicyRow = Prisma.CertificatePolicyGetPayload<{ include: typeof POLICY_INCLUDE }>;

/** The API's shape: the account by its directory (as in fleet documents), the sites using it. */
export const policyView = z
  .strictObject({
    id: z.uuid(),
    name: z.string(),
    accountId: z.uuid(),
    directory: z.string().describe("the ACME account's directory URL"),
    challenge: z.string(),
    keyType: z.string(),
    autoIssue: z.boolean(),
    sites: z.array(z.string()).describe('names of the sites using it'),
    version: z.int(),
    createdAt: timestamp,
    updatedAt: timestamp,
  })
  .meta({ id: 'CertificatePolicy' });

export const policyListView = listView(policyView, 'CertificatePolicyList');

export type PolicyView = z.output<typeof policyView>;

export function toPolicyView({ account, sites, ...policy }: PolicyRow): PolicyView {
  return { ...policy, directory: account.directoryUrl, sites: sites.map((s) => s.name) };
}
