import { readFileSync } from 'node:fs';
import { Injectable, Logger } from '@nestjs/common';
import { AppError } from '../../common/errors/app-error.js';
import { OutboundDenied, OutboundPolicy } from '../../common/outbound/outbound-policy.js';
import { AppConfig } from '../../config/app-config.js';
import { PrismaService } from '../../database/prisma.service.js';
import { AgentConnector } from '../agent-hosts/agent-connector.js';
import { AuditService } from '../audit/audit.service.js';
import type { Actor } from '../auth/principal.js';
import { DriftService } from '../deployments/drift.service.js';
import { DesiredStateService } from '../desired-state/desired-state.service.js';
import { reason } from '../health/http-request.js';
import { acmePathCheck, configValidCheck, upstreamChecks } from './agent.checks.js';
import { corsChecks } from './cors.checks.js';
import { dnsChecks } from './dns.checks.js';
import { check, type DoctorCheck, overall } from './doctor-codes.js';
import { buildContext, type DoctorAgent, type DoctorContext } from './doctor-context.js';
import { driftCheck } from './drift.check.js';
import type { RunDoctor } from './dto/doctor.schema.js';
import { dockerPortChecks, proxyTimeoutChecks, streamingIntentChecks } from './intent.checks.js';
import { reachabilityChecks, streamingProbe, websocketCheck } from './proxy.checks.js';
import { tlsChecks } from './tls.checks.js';

/** Hostnames whose certificate is checked per agent; the rest share the same server block. */
const MAX_TLS_NAMES = 10;

/**
 * Runs the checks of one site: on the desired state, from Portico through each agent's proxy,
 * and on each agent's host over SSH. Checks on different agents run in parallel; a check that
 * cannot run says so (skip or fail with the reason) instead of failing the whole request.
 */
@Injectable()
export class DoctorService {
  private readonly logger = new Logger('DoctorService');

  constructor(
    private readonly prisma: PrismaService,
    private readonly desired: DesiredStateService,
    private readonly connector: AgentConnector,
    private readonly drift: DriftService,
    private readonly audit: AuditService,
    private readonly config: AppConfig,
    private readonly policy: OutboundPolicy,
  ) {}

  async run(siteId: string, options: RunDoctor, actor: Actor) {
    const started = Date.now();
    const state = await this.desired.load();
    const site = state.sites.find((s) => s.id === siteId);
    if (!site) throw AppError.notFound('Site', siteId);
    const rows = await this.prisma.agent.findMany({ where: { id: { in: site.agentIds } } });
    const ctx = buildContext(state, siteId, rows) as DoctorContext;
    const timeoutMs = this.config.health.timeoutMs;

    const checks: DoctorCheck[] = [
      ...proxyTimeoutChecks(ctx),
      ...dockerPortChecks(ctx),
      ...streamingIntentChecks(ctx),
      ...(await dnsChecks(ctx, this.config.doctor.dnsServers, timeoutMs)),
    ];
    const perAgent = await Promise.all(
      ctx.agents.map((agent) => this.agentChecks(ctx, agent, options, timeoutMs)),
    );
    checks.push(...perAgent.flat());

    const counts = { pass: 0, warn: 0, fail: 0, skip: 0 };
    for (const c of checks) counts[c.status]++;
    const result = {
      siteId,
      siteName: site.name,
      revision: state.revision,
      checkedAt: new Date().toISOString(),
      durationMs: Date.now() - started,
      status: overall(checks),
      counts,
      checks,
    };
    await this.prisma.$transaction((tx) =>
      this.audit.record(tx, actor, {
        action: 'site.doctor',
        targetType: 'site',
        targetId: siteId,
        after: {
          status: result.status,
          counts,
          failed: checks.filter((c) => c.status === 'fail').map((c) => c.code),
        },
      }),
    );
    this.logger.log({ siteId, status: result.status, counts, durationMs: result.durationMs }, 'doctor ran');
    return result;
  }

  private async agentChecks(
    ctx: DoctorContext,
    listed: DoctorAgent,
    options: RunDoctor,
    timeoutMs: number,
  ): Promise<DoctorCheck[]> {
    let host = ctx.hostnames[0];
    const checks: DoctorCheck[] = [];
    // Checks from Portico connect to the address the outbound policy checked, or not at all.
    let agent = listed;
    try {
      agent = { ...listed, address: await this.policy.resolve(listed.address) };
    } catch (error) {
      // A name that does not resolve is left to the checks below, which say so in their words.
      if (error instanceof OutboundDenied) {
        checks.push(
          check(
            'HTTP_REACHABLE',
            'fail',
            error.message,
            { address: error.address, range: error.range },
            'allow the range in OUTBOUND_ALLOW if Portico may connect there',
          ),
        );
        host = undefined;
      }
    }
    if (host) {
      const [reach, ws, cors] = await Promise.all([
        reachabilityChecks(ctx, agent, host, timeoutMs),
        websocketCheck(ctx, agent, host, timeoutMs),
        corsChecks(ctx, agent, host, timeoutMs),
      ]);
      checks.push(...reach, ...(ws ? [ws] : []), ...cors);
      if (options.streamPath)
        checks.push(await streamingProbe(ctx, agent, host, options.streamPath, timeoutMs * 4));
      if (ctx.tls) {
        const extraCa = this.config.health.tlsCaFile
          ? readFileSync(this.config.health.tlsCaFile, 'utf8')
          : undefined;
        const warnDays = this.config.health.tlsWarnDays;
        for (const [i, name] of ctx.hostnames.slice(0, MAX_TLS_NAMES).entries()) {
          // One testssl scan per agent: every name shares the listener's protocols and ciphers.
          const scan = i === 0 && options.tlsScan !== false;
          checks.push(...(await tlsChecks(agent, name, { timeoutMs, warnDays, extraCa, scan })));
        }
      }
    }
    checks.push(...(await this.hostChecks(ctx, agent, host, timeoutMs)));
    checks.push(await driftCheck(this.drift, agent));
    return checks;
  }

  /** Everything that needs the host, over one SSH connection. */
  private async hostChecks(
    ctx: DoctorContext,
    agent: DoctorAgent,
    host: string | undefined,
    timeoutMs: number,
  ): Promise<DoctorCheck[]> {
    let ssh: Awaited<ReturnType<AgentConnector['connect']>>;
    try {
      ssh = await this.connector.connect(agent.row);
    } catch (error) {
      const message = `cannot connect over SSH: ${reason(error)}`;
      const evidence = { code: (error as { code?: string }).code ?? null };
      const codes = [
        'UPSTREAM_FROM_AGENT',
        'CONFIG_VALID',
        ...(host ? (['ACME_PATH'] as const) : []),
      ] as const;
      return codes.map((code) => ({
        ...check(code, 'skip', message, evidence, 'run POST /api/v1/agents/:id/test for the details'),
        agentId: agent.spec.id,
        agentName: agent.spec.name,
      }));
    }
    try {
      const checks = await upstreamChecks(ctx, agent, ssh, timeoutMs);
      if (host) checks.push(await acmePathCheck(agent, ssh, host, timeoutMs));
      checks.push(await configValidCheck(agent, ssh, this.connector.settings(agent.row)));
      return checks;
    } finally {
      ssh.close();
    }
  }
}
