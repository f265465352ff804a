import type { DeployOutcome } from '../../apps/api/src/modules/deploy/deploy-outcome.js';
import { HostDeployer } from '../../apps/api/src/modules/deploy/host-deployer.js';
import type { HttpCheck } from '../../apps/api/src/modules/deploy/http-probe.js';
import { SshTransport } from '../../apps/api/src/modules/deploy/ssh.transport.js';
import type { RenderedFile } from '../../apps/api/src/modules/render/fleet-state.js';
import type { SshHost } from '../../test/fixtures/ssh-host.js';

export interface FanoutResult {
  ms: number;
  outcomes: DeployOutcome[];
}

/**
 * Deploys one revision to many hosts the way the fleet service will: every host in parallel up
 * to a concurrency bound, each over a fresh SSH connection (connect time included), one slow
 * host never holding up the others.
 */
export class PorticoFanout {
  constructor(private readonly concurrency: number) {}

  async deploy(
    hosts: SshHost[],
    revision: string,
    filesFor: (host: SshHost) => RenderedFile[],
    checksFor: (host: SshHost) => HttpCheck[],
  ): Promise<FanoutResult> {
    const started = performance.now();
    const outcomes: DeployOutcome[] = new Array(hosts.length);
    let next = 0;
    const worker = async () => {
      for (let i = next++; i < hosts.length; i = next++) {
        const host = hosts[i]!;
        const transport = await SshTransport.connect(
          host.target({ hostKeyFingerprint: host.hostKeyFingerprint }),
        );
        try {
          outcomes[i] = await new HostDeployer(transport, host.settings()).deploy({
            revision,
            files: filesFor(host),
            checks: checksFor(host),
          });
        } finally {
          transport.close();
        }
      }
    };
    await Promise.all(Array.from({ length: Math.min(this.concurrency, hosts.length) }, worker));
    return { ms: performance.now() - started, outcomes };
  }
}
