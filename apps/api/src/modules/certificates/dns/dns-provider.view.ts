import { z } from 'zod';
import { timestamp } from '../../../common/http/view-schema.js';
import type { DnsProvider } from '../../../generated/prisma/client.js';

/** A DNS provider for dns-01 challenges: never its TSIG secret. */
export const dnsProviderView = z
  .strictObject({
    id: z.uuid(),
    name: z.string(),
    kind: z.literal('rfc2136'),
    zone: z.string(),
    server: z.string(),
    port: z.int(),
    tsigKeyName: z.string(),
    tsigAlgorithm: z.string(),
    createdAt: timestamp,
    updatedAt: timestamp,
  })
  .meta({ id: 'DnsProvider' });

export const dnsProviderListView = z.array(dnsProviderView).meta({ id: 'DnsProviderList' });

export type DnsProviderView = z.output<typeof dnsProviderView>;

export function toDnsProviderView({ tsigSecretEncrypted: _s, ...provider }: DnsProvider): DnsProviderView {
  return { ...provider, kind: provider.kind as DnsProviderView['kind'] };
}
