import { Injectable } from '@nestjs/common';
import { AppError } from '../../common/errors/app-error.js';
import type { Agent } from '../../generated/prisma/client.js';
import { toAgentView } from '../agents/agent.view.js';
import { AuditService } from '../audit/audit.service.js';
import type { Actor } from '../auth/principal.js';
import { HostTester, type HostTestReport } from '../deploy/host-tester.js';
import type { OverrideProposal } from '../deploy/override-proposal.js';
import { DesiredStateService } from '../desired-state/desired-state.service.js';
import { requiredApacheModules } from '../render/agent-renderer.js';
import { RevisionService } from '../revisions/revision.service.js';
import { AgentConnector } from './agent-connector.js';
import { AgentHostsRepository } from './agent-hosts.repository.js';
import { HostConfigImport } from './config-import/host-config-import.js';

/** Operations on an agent's host itself: the connection test, host-key acceptance, import. */
@Injectable()
export class AgentHostsService {
  constructor(
    private readonly repo: AgentHostsRepository,
    private readonly connector: AgentConnector,
    private readonly desired: DesiredStateService,
    private readonly revisions: RevisionService,
    private readonly audit: AuditService,
  ) {}

  /**
   * Every check a deploy will need, each pass/fail. Learns the proxy version (which the renderer
   * uses), pins the host key on first contact and records a changed one as offeredHostKey.
   */
  async test(id: string, actor: Actor) {
    const agent = await this.find(id);
    const settings = this.connector.settings(agent);
    if (agent.flavor === 'apache') {
      // What this agent's sites need, besides what every Portico tree needs.
      const state = await this.desired.load();
      const needed = requiredApacheModules(state, agent.id).map((m) => `${m}_module`);
      settings.requiredModules = [...new Set([...settings.requiredModules, ...needed])].sort();
    }
    const report = await new HostTester(settings).run(this.connector.target(agent));
    await this.remember(agent, report, actor);
    return {
      agentId: agent.id,
      ok: report.ok,
      proxyVersion: report.proxyVersion,
      hostKeyFingerprint: report.hostKeyFingerprint,
      firstContact: report.firstContact,
      checks: report.checks,
      proposedOverrides: report.proposal
        ? { reasons: report.proposal.reasons, patch: patchFor(agent, report.proposal) }
        : null,
    };
  }

  /** An admin vouches for the key the host now presents; operations resume. */
  async acceptHostKey(id: string, fingerprint: string, actor: Actor) {
    return this.repo.transaction(async (tx) => {
      const row = (await this.repo.find(id, tx)) ?? notFound(id);
      if (row.offeredHostKey !== fingerprint) {
        throw new AppError(
          'HOST_KEY_NOT_OFFERED',
          row.offeredHostKey
            ? `Agent ${row.name} offers ${row.offeredHostKey}, not ${fingerprint}`
            : `Agent ${row.name} has no changed host key to accept`,
          { offeredHostKey: row.offeredHostKey },
        );
      }
      const after = await this.repo.accept(tx, id, fingerprint);
      await this.audit.record(tx, actor, {
        action: 'agent.accept_host_key',
        targetType: 'agent',
        targetId: id,
        before: { hostKeyFingerprint: row.hostKeyFingerprint, offeredHostKey: row.offeredHostKey },
        after: { hostKeyFingerprint: fingerprint, offeredHostKey: null },
      });
      return toAgentView(after);
    });
  }

  /** Reads the host's hand-written site configs and proposes sites and upstreams; changes nothing. */
  async importConfigs(id: string) {
    const agent = await this.find(id);
    const transport = await this.connector.connect(agent);
    try {
      const { files, proposal } = await new HostConfigImport(transport, this.connector.settings(agent)).run();
      return {
        agentId: agent.id,
        files: files.map((f) => ({ path: f.path, bytes: Buffer.byteLength(f.content) })),
        ...proposal,
      };
    } finally {
      transport.close();
    }
  }

  private async remember(agent: Agent, report: HostTestReport, actor: Actor): Promise<void> {
    const keyFailed = report.checks.some((c) => c.name === 'host_key' && c.status === 'fail');
    const pin = report.firstContact && report.hostKeyFingerprint ? report.hostKeyFingerprint : null;
    const offered = keyFailed ? report.hostKeyFingerprint : null;
    const version =
      report.proxyVersion && report.proxyVersion !== agent.proxyVersion ? report.proxyVersion : null;
    await this.repo.transaction(async (tx) => {
      if (pin) {
        await this.repo.pinFirst(agent.id, pin, tx);
      }
      if (offered) {
        await this.repo.setOffered(tx, agent.id, offered);
      }
      if (version) {
        // The renderer picks Apache's WebSocket style by version: a new version is new desired state.
        await this.repo.setProxyVersion(tx, agent.id, version);
        await this.revisions.bump(tx);
      }
      await this.audit.record(tx, actor, {
        action: 'agent.test',
        targetType: 'agent',
        targetId: agent.id,
        after: {
          ok: report.ok,
          failed: report.checks.filter((c) => c.status === 'fail').map((c) => c.name),
          proxyVersion: report.proxyVersion,
          ...(pin ? { pinnedHostKey: pin } : {}),
          ...(offered ? { offeredHostKey: offered } : {}),
        },
      });
    });
  }

  private async find(id: string): Promise<Agent> {
    return (await this.repo.find(id)) ?? notFound(id);
  }
}

/** The body of one PATCH /agents/:id that applies a proposal (host overrides are replaced whole). */
function patchFor(agent: Agent, proposal: OverrideProposal) {
  const current = (agent.hostOverrides ?? {}) as Record<string, unknown>;
  const overrides = {
    ...(proposal.statusCommand ? { statusCommand: proposal.statusCommand } : {}),
    ...(proposal.units === null ? { units: null } : {}),
  };
  return {
    ...(proposal.reloadCommand ? { reloadCommand: proposal.reloadCommand } : {}),
    ...(Object.keys(overrides).length > 0 ? { hostOverrides: { ...current, ...overrides } } : {}),
  };
}

function notFound(id: string): never {
  throw AppError.notFound('Agent', id);
}
