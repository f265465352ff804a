import { Module } from '@nestjs/common';
import { AgentHostsModule } from '../agent-hosts/agent-hosts.module.js';
import { DeploymentsModule } from '../deployments/deployments.module.js';
import { DesiredStateModule } from '../desired-state/desired-state.module.js';
import { HealthModule } from '../health/health.module.js';
import { SitesModule } from '../sites/sites.module.js';
import { AcmeGateway } from './acme/acme.gateway.js';
import { AcmeAccountsController } from './acme/acme-accounts.controller.js';
import { AcmeAccountsRepository } from './acme/acme-accounts.repository.js';
import { AcmeAccountsService } from './acme/acme-accounts.service.js';
import { CertificateOrdersRepository } from './acme/certificate-orders.repository.js';
import { CertificateOrdersService } from './acme/certificate-orders.service.js';
import { ChallengeSolvers } from './acme/challenge-solvers.js';
import { OrderRunner } from './acme/order-runner.js';
import { RenewalScheduler } from './acme/renewal.scheduler.js';
import { CertificateRollout } from './certificate-rollout.js';
import { CertificatesController } from './certificates.controller.js';
import { CertificatesRepository } from './certificates.repository.js';
import { CertificatesService } from './certificates.service.js';
import { DeploymentsRollout } from './deployments-rollout.js';
import { DnsProvidersController } from './dns/dns-providers.controller.js';
import { DnsProvidersRepository } from './dns/dns-providers.repository.js';
import { DnsProviders } from './dns/dns-providers.service.js';
import { CertificatePoliciesController } from './policies/certificate-policies.controller.js';
import { CertificatePoliciesRepository } from './policies/certificate-policies.repository.js';
import { CertificatePolicies } from './policies/certificate-policies.service.js';

@Module({
  imports: [AgentHostsModule, DeploymentsModule, DesiredStateModule, HealthModule, SitesModule],
  controllers: [
    CertificatesController,
    AcmeAccountsController,
    DnsProvidersController,
    CertificatePoliciesController,
  ],
  providers: [
    AcmeGateway,
    AcmeAccountsRepository,
    AcmeAccountsService,
    CertificatesRepository,
    CertificatesService,
    CertificateOrdersRepository,
    CertificateOrdersService,
    CertificatePolicies,
    CertificatePoliciesRepository,
    ChallengeSolvers,
    DnsProviders,
    DnsProvidersRepository,
    OrderRunner,
    RenewalScheduler,
    // A stored certificate reaches its agents through the fleet deployment runner.
    { provide: CertificateRollout, useClass: DeploymentsRollout },
  ],
  exports: [
    CertificatesService,
    CertificateOrdersService,
    CertificatePolicies,
    RenewalScheduler,
    CertificateRollout,
  ],
})
export class CertificatesModule {}
