import { Injectable } from '@nestjs/common';
import { SecretBox } from '../../common/secrets/secret-box.js';
import { PrismaService, Tx } from '../../database/prisma.service.js';
import type { FleetState, HeaderSpec, ServiceSpec, UpstreamTargetSpec } from '../render/fleet-state.js';

export interface LoadOptions {
  /** Decrypt certificate keys: only for a deployment, never for a preview. */
  withKeys?: boolean;
}

/**
 * Reads the whole desired state out of the database as the renderer's plain FleetState.
 * One consistent snapshot: everything is read in one transaction together with the revision.
 */
@Injectable()
export class DesiredStateService {
  constructor(
    private readonly prisma: PrismaService,
    private readonly secrets: SecretBox,
  ) {}

  async load(options: LoadOptions = {}): Promise<FleetState> {
    return this.prisma.$transaction((tx) => this.loadIn(tx, options));
  }

  async loadIn(tx: Tx, { withKeys = false }: LoadOptions = {}): Promise<FleetState> {
    const [revision, agents, sites, upstreams, services, certificates] = [
      await tx.fleetRevision.findUnique({ where: { id: 1 } }),
      await tx.agent.findMany({ orderBy: { name: 'asc' } }),
      await tx.site.findMany({
        orderBy: { name: 'asc' },
        include: {
          hostnames: { orderBy: { position: 'asc' } },
          routes: { orderBy: { position: 'asc' } },
          placements: true,
        },
      }),
      await tx.upstream.findMany({ orderBy: { name: 'asc' } }),
      await tx.service.findMany({ orderBy: { name: 'asc' }, include: { placements: true } }),
      await tx.certificate.findMany({ where: { sites: { some: {} } } }),
    ];
    return {
      revision: revision?.revision ?? 0,
      agents: agents.map((a) => ({
        id: a.id,
        name: a.name,
        flavor: a.flavor,
        configRoot: a.configRoot,
        proxyVersion: a.proxyVersion,
        listenAddress: a.listenAddress,
        httpPort: a.httpPort,
        httpsPort: a.httpsPort,
      })),
      sites: sites.map((s) => ({
        id: s.id,
        name: s.name,
        hostnames: s.hostnames.map((h) => h.hostname),
        tlsMode: s.tlsMode,
        certificateId: s.certificateId,
        httpsRedirect: s.httpsRedirect,
        hsts: s.hsts,
        websocket: s.websocket,
        readTimeoutSec: s.readTimeoutSec,
        sendTimeoutSec: s.sendTimeoutSec,
        maxBodyMb: s.maxBodyMb,
        responseHeaders: s.responseHeaders as unknown as HeaderSpec[],
        upstreamHeaders: s.upstreamHeaders as unknown as HeaderSpec[],
        routes: s.routes.map((r) => ({
          pathPrefix: r.pathPrefix,
          upstreamId: r.upstreamId,
          streaming: r.streaming,
        })),
        agentIds: s.placements.map((p) => p.agentId).sort(),
      })),
      upstreams: upstreams.map((u) => ({
        id: u.id,
        name: u.name,
        kind: u.kind,
        policy: u.policy,
        keepalive: u.keepalive,
        targets: u.targets as unknown as UpstreamTargetSpec[],
      })),
      services: services.map((s) => ({
        id: s.id,
        name: s.name,
        kind: s.kind,
        description: s.description,
        execStart: s.execStart,
        image: s.image,
        environment: s.environment as Record<string, string>,
        user: s.user,
        restart: s.restart,
        options: s.options as ServiceSpec['options'],
        agentIds: s.placements.map((p) => p.agentId).sort(),
      })),
      certificates: certificates.map((c) => ({
        id: c.id,
        domains: c.domains,
        chainPem: c.chainPem,
        keyPem: withKeys && c.keyEncrypted ? this.secrets.open(c.keyEncrypted) : null,
      })),
    };
  }
}
