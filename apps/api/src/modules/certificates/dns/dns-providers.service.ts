import { Injectable } from '@nestjs/common';
import { AppError } from '../../../common/errors/app-error.js';
import { OutboundPolicy } from '../../../common/outbound/outbound-policy.js';
import { SecretBox } from '../../../common/secrets/secret-box.js';
import { PrismaService } from '../../../database/prisma.service.js';
import type { DnsProvider } from '../../../generated/prisma/client.js';
import { AuditService } from '../../audit/audit.service.js';
import type { Actor } from '../../auth/principal.js';
import type { CreateDnsProvider } from '../dto/dns-provider.schema.js';
import { type DnsChallengeProvider, inZone } from './dns-provider.js';
import { toDnsProviderView } from './dns-provider.view.js';
import { Rfc2136Provider } from './rfc2136.provider.js';

/** DNS-01 providers, one per zone; the longest matching zone answers for a name. */
@Injectable()
export class DnsProviders {
  constructor(
    private readonly prisma: PrismaService,
    private readonly secrets: SecretBox,
    private readonly audit: AuditService,
    private readonly policy: OutboundPolicy,
  ) {}

  async list() {
    return (await this.prisma.dnsProvider.findMany({ orderBy: { zone: 'asc' } })).map(toDnsProviderView);
  }

  async create(dto: CreateDnsProvider, actor: Actor) {
    const zone = dto.zone.toLowerCase().replace(/\.$/, '');
    return this.prisma.$transaction(async (tx) => {
      if (await tx.dnsProvider.findFirst({ where: { OR: [{ name: dto.name }, { zone }] } })) {
        throw new AppError('NAME_TAKEN', `a DNS provider named ${dto.name} or for zone ${zone} exists`);
      }
      const row = await tx.dnsProvider.create({
        data: {
          name: dto.name,
          kind: dto.kind,
          zone,
          server: dto.server,
          port: dto.port ?? 53,
          tsigKeyName: dto.tsigKeyName,
          tsigAlgorithm: dto.tsigAlgorithm ?? 'hmac-sha256',
          tsigSecretEncrypted: this.secrets.seal(dto.tsigSecret),
        },
      });
      const view = toDnsProviderView(row);
      await this.audit.record(tx, actor, {
        action: 'dns-provider.create',
        targetType: 'dns-provider',
        targetId: row.id,
        after: view,
      });
      return view;
    });
  }

  /** Null when no configured zone covers the name. */
  async find(name: string): Promise<DnsProvider | null> {
    const all = await this.prisma.dnsProvider.findMany();
    return all.filter((p) => inZone(name, p.zone)).sort((a, b) => b.zone.length - a.zone.length)[0] ?? null;
  }

  async providerFor(name: string): Promise<DnsChallengeProvider> {
    const row = await this.find(name);
    if (!row)
      throw new AppError('DNS01_REQUIRED', `no DNS provider is configured for a zone containing ${name}`);
    return new Rfc2136Provider({
      zone: row.zone,
      server: row.server,
      port: row.port,
      tsigKeyName: row.tsigKeyName,
      tsigAlgorithm: row.tsigAlgorithm,
      tsigSecret: this.secrets.open(row.tsigSecretEncrypted),
      resolveServer: (server) => this.policy.resolve(server),
    });
  }
}
