import { challengeName } from '../dns/dns-provider.js';
import type { DnsProviders } from '../dns/dns-providers.service.js';
import type { ChallengeSolver, ChallengeTarget, SolverStep } from './challenge-solver.js';

/**
 * DNS-01: the answer is a TXT record at `_acme-challenge.<name>`, published through the DNS
 * provider whose zone holds the name. Which names have a provider was checked when the order
 * was accepted, so there is nothing to prepare.
 */
export class Dns01Solver implements ChallengeSolver {
  readonly type = 'dns-01';
  private readonly published: { fqdn: string; value: string }[] = [];

  constructor(private readonly dns: DnsProviders) {}

  async prepare(): Promise<null> {
    return null;
  }

  async present(target: ChallengeTarget, _token: string, keyAuthorization: string): Promise<SolverStep> {
    const fqdn = challengeName(target.wildcard ? `*.${target.name}` : target.name);
    const provider = await this.dns.providerFor(fqdn);
    await provider.present(fqdn, keyAuthorization);
    this.published.push({ fqdn, value: keyAuthorization });
    return { step: 'challenge_published', detail: { name: target.name, record: fqdn } };
  }

  async cleanup(): Promise<void> {
    for (const { fqdn, value } of this.published.splice(0)) {
      await this.dns
        .providerFor(fqdn)
        .then((p) => p.cleanup(fqdn, value))
        .catch(() => undefined);
    }
  }
}
