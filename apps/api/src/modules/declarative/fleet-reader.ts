import { Injectable } from '@nestjs/common';
import type { Tx } from '../../database/prisma.service.js';
import type {
  AgentObject,
  CertificatePolicyObject,
  FleetObjects,
  ServiceObject,
  SiteObject,
  UpstreamObject,
} from './fleet-objects.js';

type Labels = Record<string, string>;

/** Reads the stored desired state in the document's canonical form (names, not ids). */
@Injectable()
export class FleetReader {
  async read(tx: Tx): Promise<FleetObjects> {
    const agents = await tx.agent.findMany({ orderBy: { name: 'asc' } });
    const upstreams = await tx.upstream.findMany({ orderBy: { name: 'asc' } });
    const policies = await tx.certificatePolicy.findMany({
      orderBy: { name: 'asc' },
      include: { account: { select: { directoryUrl: true } } },
    });
    const sites = await tx.site.findMany({
      orderBy: { name: 'asc' },
      include: {
        certificatePolicy: { select: { name: true } },
        hostnames: { orderBy: { position: 'asc' } },
        routes: { orderBy: { position: 'asc' }, include: { upstream: { select: { name: true } } } },
        placements: { include: { agent: { select: { name: true } } } },
      },
    });
    const services = await tx.service.findMany({
      orderBy: { name: 'asc' },
      include: { placements: { include: { agent: { select: { name: true } } } } },
    });
    return {
      agents: agents.map((a) => ({
        name: a.name,
        address: a.address,
        sshPort: a.sshPort,
        sshUser: a.sshUser,
        useSudo: a.useSudo,
        flavor: a.flavor,
        configRoot: a.configRoot,
        hostFamily: a.hostFamily,
        validateCommand: a.validateCommand,
        reloadCommand: a.reloadCommand,
        listenAddress: a.listenAddress,
        httpPort: a.httpPort,
        httpsPort: a.httpsPort,
        hostOverrides: a.hostOverrides as AgentObject['hostOverrides'],
        labels: a.labels as Labels,
      })),
      upstreams: upstreams.map((u) => ({
        name: u.name,
        kind: u.kind,
        policy: u.policy,
        keepalive: u.keepalive,
        targets: u.targets as unknown as UpstreamObject['targets'],
        probeFrom: u.probeFrom,
        labels: u.labels as Labels,
      })),
      certificatePolicies: policies.map(
        (p): CertificatePolicyObject => ({
          name: p.name,
          directory: p.account.directoryUrl,
          challenge: p.challenge as CertificatePolicyObject['challenge'],
          keyType: p.keyType as CertificatePolicyObject['keyType'],
          autoIssue: p.autoIssue,
        }),
      ),
      sites: sites.map(
        (s): SiteObject => ({
          name: s.name,
          hostnames: s.hostnames.map((h) => h.hostname),
          tlsMode: s.tlsMode,
          certificateId: s.certificateId,
          certificatePolicy: s.certificatePolicy?.name ?? null,
          httpsRedirect: s.httpsRedirect,
          hsts: s.hsts,
          websocket: s.websocket,
          readTimeoutSec: s.readTimeoutSec,
          sendTimeoutSec: s.sendTimeoutSec,
          maxBodyMb: s.maxBodyMb,
          responseHeaders: s.responseHeaders as SiteObject['responseHeaders'],
          upstreamHeaders: s.upstreamHeaders as SiteObject['upstreamHeaders'],
          routes: s.routes.map((r) => ({
            pathPrefix: r.pathPrefix,
            upstream: r.upstream.name,
            streaming: r.streaming,
          })),
          agents: s.placements.map((p) => p.agent.name).sort(),
          labels: s.labels as Labels,
        }),
      ),
      services: services.map(
        (s): ServiceObject => ({
          name: s.name,
          kind: s.kind,
          description: s.description,
          execStart: s.execStart,
          image: s.image,
          environment: s.environment as Record<string, string>,
          user: s.user,
          restart: s.restart,
          options: s.options as Record<string, unknown>,
          agents: s.placements.map((p) => p.agent.name).sort(),
          labels: s.labels as Labels,
        }),
      ),
    };
  }
}
