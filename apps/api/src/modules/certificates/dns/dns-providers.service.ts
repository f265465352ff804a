import { Injectable } from '@nestjs/common';
import { AppError } from '../../../common/errors/app-error.js';
import { OutboundPolicy } from '../../../common/outbound/outbound-policy.js';
import { SecretBox } from '../../../common/secrets/secret-box.js';
import type { DnsProvider } from '../../../generated/prisma/client.js';
import { AuditService } from '../../audit/audit.service.js';
import { authorize } from '../../auth/authorize.js';
import type { Actor, Permission } from '../../auth/principal.js';
import type { CreateDnsProvider } from '../dto/dns-provider.schema.js';
import { type DnsChallengeProvider, inZone } from './dns-provider.js';
import { toDnsProviderView } from './dns-provider.view.js';
import { DnsProvidersRepository } from './dns-providers.repository.js';
import { Rfc2136Provider } from './rfc2136.provider.js';

/** A provider holds a TSIG secret that can rewrite a zone: admins only, at every door. */
export const DNS_PROVIDER_PERMISSION: Permission = 'admin';

/** DNS-01 providers, one per zone; the longest matching zone answers for a name. */
@Injectable()
export class DnsProviders {
  constructor(
    private readonly repo: DnsProvidersRepository,
    private readonly secrets: SecretBox,
    private readonly audit: AuditService,
    private readonly policy: OutboundPolicy,
  ) {}

  async list() {
    return (await this.repo.list()).map(toDnsProviderView);
  }

  async create(dto: CreateDnsProvider, actor: Actor) {
    authorize(actor, DNS_PROVIDER_PERMISSION, 'Creating DNS providers');
    const zone = dto.zone.toLowerCase().replace(/\.$/, '');
    return this.repo.transaction(async (tx) => {
      if (await this.repo.nameOrZoneTaken(tx, dto.name, zone)) {
        throw new AppError('NAME_TAKEN', `a DNS provider named ${dto.name} or for zone ${zone} exists`);
      }
      const row = await this.repo.create(tx, {
        name: dto.name,
        kind: dto.kind,
        zone,
        server: dto.server,
        port: dto.port ?? 53,
        tsigKeyName: dto.tsigKeyName,
        tsigAlgorithm: dto.tsigAlgorithm ?? 'hmac-sha256',
        tsigSecretEncrypted: this.secrets.seal(dto.tsigSecret),
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
    const all = await this.repo.list();
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
