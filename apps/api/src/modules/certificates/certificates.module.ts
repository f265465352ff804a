import { Module } from '@nestjs/common';
import { AcmeGateway } from './acme/acme.gateway.js';
import { AcmeAccountsController } from './acme/acme-accounts.controller.js';
import { AcmeAccountsService } from './acme/acme-accounts.service.js';
import { CertificateOrdersService } from './acme/certificate-orders.service.js';
import { OrderRunner } from './acme/order-runner.js';
import { RenewalScheduler } from './acme/renewal.scheduler.js';
import { CertificateRollout, PendingRollout } from './certificate-rollout.js';
import { CertificatesController } from './certificates.controller.js';
import { CertificatesService } from './certificates.service.js';
import { DnsProvidersController } from './dns/dns-providers.controller.js';
import { DnsProviders } from './dns/dns-providers.service.js';

@Module({
  controllers: [CertificatesController, AcmeAccountsController, DnsProvidersController],
  providers: [
    AcmeGateway,
    AcmeAccountsService,
    CertificatesService,
    CertificateOrdersService,
    DnsProviders,
    OrderRunner,
    RenewalScheduler,
    // To ship certificates through the fleet runner: imports: [DeploymentsModule] and
    // useClass: DeploymentsRollout (deployments-rollout.ts). See docs/certificates.md.
    { provide: CertificateRollout, useClass: PendingRollout },
  ],
  exports: [CertificatesService, CertificateOrdersService, RenewalScheduler, CertificateRollout],
})
export class CertificatesModule {}
