export interface RolloutRequest {
  certificateId: string;
  /** Every agent that serves a site using this certificate. */
  agentIds: string[];
  /** e.g. "certificate issued" / "certificate renewed"; shown in the deployment's log. */
  reason: string;
}

export interface RolloutResult {
  /** started: a deployment is on its way; not_wired: nobody deploys yet (see docs/certificates.md). */
  status: 'started' | 'not_wired' | 'failed';
  deploymentId?: string;
  detail?: string;
}

/**
 * The port through which certificates ask for a deployment once a certificate is stored (the
 * revision was already bumped in the same transaction). The fleet deployment runner provides
 * the real implementation: `{ provide: CertificateRollout, useExisting: … }` in
 * CertificatesModule, calling its "deploy these agents" service.
 */
export abstract class CertificateRollout {
  abstract deploy(request: RolloutRequest): Promise<RolloutResult>;
}
