import { randomBytes } from 'node:crypto';
import { type DynamicModule, Global, type INestApplication, Module } from '@nestjs/common';
import { APP_FILTER } from '@nestjs/core';
import { Test } from '@nestjs/testing';
import pg from 'pg';
import { AgentProbesModule } from '../../apps/api/src/agent-probes.module.js';
import { ErrorFilter } from '../../apps/api/src/common/errors/error.filter.js';
import { createValidationPipe } from '../../apps/api/src/common/http/validation.js';
import { OutboundModule } from '../../apps/api/src/common/outbound/outbound.module.js';
import { SecretBox } from '../../apps/api/src/common/secrets/secret-box.js';
import { SecretsModule } from '../../apps/api/src/common/secrets/secrets.module.js';
import { AppConfig } from '../../apps/api/src/config/app-config.js';
import { DatabaseModule } from '../../apps/api/src/database/database.module.js';
import { PrismaService } from '../../apps/api/src/database/prisma.service.js';
import { AuditModule } from '../../apps/api/src/modules/audit/audit.module.js';
import type { Principal } from '../../apps/api/src/modules/auth/principal.js';
import {
  CertificateRollout,
  type RolloutRequest,
  type RolloutResult,
} from '../../apps/api/src/modules/certificates/certificate-rollout.js';
import { CertificatesModule } from '../../apps/api/src/modules/certificates/certificates.module.js';
import { HostDeployer } from '../../apps/api/src/modules/deploy/host-deployer.js';
import { SshTransport } from '../../apps/api/src/modules/deploy/ssh.transport.js';
import { DesiredStateModule } from '../../apps/api/src/modules/desired-state/desired-state.module.js';
import { DesiredStateService } from '../../apps/api/src/modules/desired-state/desired-state.service.js';
import { EventsModule } from '../../apps/api/src/modules/events/events.module.js';
import { RenderModule } from '../../apps/api/src/modules/render/render.module.js';
import { RenderService } from '../../apps/api/src/modules/render/render.service.js';
import { RevisionsModule } from '../../apps/api/src/modules/revisions/revisions.module.js';
import type { SshHost } from '../fixtures/ssh-host.js';

const POSTGRES_URL = process.env.PORTICO_TEST_POSTGRES ?? 'postgresql://postgres@127.0.0.1:5432/postgres';

/**
 * The authenticated caller of every request. Auth itself (guards, sessions, scopes) is proven by
 * the API tests against the built app; @nestjs/throttler, which AuthModule needs, cannot load in
 * Jest's ESM runtime, so these in-process tests mount the certificate feature with its real
 * dependencies and a fixed admin principal.
 */
const ADMIN: Principal = {
  kind: 'session',
  userId: '00000000-0000-4000-8000-000000000001',
  email: 'admin@certs.test',
  role: 'admin',
  permissions: new Set(['read', 'write', 'deploy', 'admin']),
};

@Global()
@Module({})
class ConfigModule {
  static with(config: AppConfig): DynamicModule {
    return {
      module: ConfigModule,
      providers: [{ provide: AppConfig, useValue: config }],
      exports: [AppConfig],
    };
  }
}

@Module({})
class CertificatesTestModule {
  static with(config: AppConfig): DynamicModule {
    return {
      module: CertificatesTestModule,
      imports: [
        ConfigModule.with(config),
        DatabaseModule,
        SecretsModule,
        OutboundModule,
        EventsModule,
        AuditModule,
        RevisionsModule,
        RenderModule,
        DesiredStateModule,
        AgentProbesModule,
        CertificatesModule,
      ],
      providers: [{ provide: APP_FILTER, useClass: ErrorFilter }],
    };
  }
}

async function admin(sql: string): Promise<void> {
  const client = new pg.Client({ connectionString: POSTGRES_URL });
  await client.connect();
  try {
    await client.query(sql);
  } finally {
    await client.end();
  }
}

/** A fresh database per test file on the real Postgres; drop() removes it. */
export async function createDatabase(label: string): Promise<{ url: string; drop: () => Promise<void> }> {
  const name = `portico_c_${label}_${randomBytes(4).toString('hex')}`;
  await admin(`CREATE DATABASE "${name}"`);
  const url = new URL(POSTGRES_URL);
  url.pathname = `/${name}`;
  return { url: url.toString(), drop: () => admin(`DROP DATABASE IF EXISTS "${name}" WITH (FORCE)`) };
}

/**
 * Deploys through the real pipeline (desired state with keys → renderer → HostDeployer over
 * SSH) to test hosts, with each host's own settings (hook path, reload command). Stands in for
 * the fleet deployment runner, which production wires in its place.
 */
export class HostRollout extends CertificateRollout {
  readonly calls: RolloutRequest[] = [];
  app: INestApplication | null = null;

  constructor(private readonly hosts: Map<string, SshHost>) {
    super();
  }

  async deploy(request: RolloutRequest): Promise<RolloutResult> {
    this.calls.push(request);
    const outcomes = await this.deployAgents(request.agentIds);
    const bad = outcomes.find((o) => o.status !== 'deployed' && o.status !== 'unchanged');
    return bad
      ? { status: 'failed', detail: JSON.stringify(bad) }
      : { status: 'started', detail: 'deployed' };
  }

  async deployAgents(agentIds: string[]) {
    const app = this.app!;
    const state = await app.get(DesiredStateService).load({ withKeys: true });
    const render = app.get(RenderService);
    return Promise.all(
      agentIds.map(async (agentId) => {
        const agent = state.agents.find((a) => a.id === agentId)!;
        const host = this.hosts.get(agent.name)!;
        const transport = await SshTransport.connect(host.target());
        try {
          const { files } = render.renderAgent(state, agentId);
          return await new HostDeployer(transport, host.settings()).deploy({
            revision: String(state.revision),
            files,
          });
        } finally {
          transport.close();
        }
      }),
    );
  }
}

export interface CertApp {
  app: INestApplication;
  baseUrl: string;
  prisma: PrismaService;
  secrets: SecretBox;
  // biome-ignore lint/suspicious/noExplicitAny: tests read JSON bodies field by field
  api<T = any>(method: string, path: string, body?: unknown): Promise<{ status: number; body: T }>;
  close(): Promise<void>;
}

export async function startApp(
  databaseUrl: string,
  rollout?: CertificateRollout,
  secretKey?: string,
): Promise<CertApp> {
  const config = AppConfig.fromEnv({
    NODE_ENV: 'test',
    DATABASE_URL: databaseUrl,
    PORTICO_SECRET_KEY: secretKey ?? randomBytes(32).toString('hex'),
    PORTICO_DATA_DIR: '/tmp',
    LOG_LEVEL: 'silent',
  });
  process.env.PORTICO_RENEWAL_SCHEDULER = 'off';
  let builder = Test.createTestingModule({ imports: [CertificatesTestModule.with(config)] });
  if (rollout) builder = builder.overrideProvider(CertificateRollout).useValue(rollout);
  const moduleRef = await builder.compile();
  const app = moduleRef.createNestApplication({ logger: false });
  app.use((req: { principal?: Principal }, _res: unknown, next: () => void) => {
    req.principal = ADMIN;
    next();
  });
  app.useGlobalPipes(createValidationPipe());
  await app.listen(0, '127.0.0.1');
  const address = app.getHttpServer().address() as { port: number };
  const baseUrl = `http://127.0.0.1:${address.port}`;
  if (rollout instanceof HostRollout) rollout.app = app;
  return {
    app,
    baseUrl,
    prisma: app.get(PrismaService),
    secrets: app.get(SecretBox),
    async api(method, path, body) {
      const res = await fetch(`${baseUrl}${path}`, {
        method,
        headers: body === undefined ? {} : { 'content-type': 'application/json' },
        body: body === undefined ? undefined : JSON.stringify(body),
      });
      const text = await res.text();
      return { status: res.status, body: text ? JSON.parse(text) : null };
    },
    close: () => app.close(),
  };
}

/** An agent row for a test host: its own address, with the given shared HTTP/HTTPS ports. */
export async function createAgent(
  c: CertApp,
  host: SshHost,
  name: string,
  ports: { http: number; https: number },
) {
  return c.prisma.agent.create({
    data: {
      name,
      address: host.address,
      sshPort: host.sshPort,
      sshUser: host.user,
      sshKeyEncrypted: c.secrets.seal(host.clientKey.privateKey),
      flavor: host.flavor,
      configRoot: host.configRoot,
      listenAddress: host.address,
      httpPort: ports.http,
      httpsPort: ports.https,
    },
  });
}

export async function createSite(
  c: CertApp,
  opts: {
    name: string;
    hostnames: string[];
    agentIds: string[];
    upstreamPort: number;
    tlsMode?: 'off' | 'acme' | 'uploaded';
  },
) {
  const upstream = await c.prisma.upstream.upsert({
    where: { name: 'backend' },
    create: {
      name: 'backend',
      targets: [{ scheme: 'http', host: '127.0.0.1', port: opts.upstreamPort, weight: 1 }],
    },
    update: {},
  });
  const site = await c.prisma.site.create({
    data: {
      name: opts.name,
      tlsMode: opts.tlsMode ?? 'acme',
      hostnames: { create: opts.hostnames.map((hostname, position) => ({ hostname, position })) },
      routes: { create: [{ pathPrefix: '/', upstreamId: upstream.id, position: 0 }] },
      placements: { create: opts.agentIds.map((agentId) => ({ agentId })) },
    },
  });
  await c.prisma.fleetRevision.upsert({
    where: { id: 1 },
    create: { id: 1, revision: 1 },
    update: { revision: { increment: 1 } },
  });
  return site;
}

/** Polls an order until it leaves the working states. */
// biome-ignore lint/suspicious/noExplicitAny: an order as JSON
export async function waitForOrder(c: CertApp, orderId: string, timeoutMs = 60_000): Promise<any> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const { body } = await c.api('GET', `/api/v1/certificate-orders/${orderId}`);
    if (body.state === 'valid' || body.state === 'failed') return body;
    if (Date.now() > deadline)
      throw new Error(`order ${orderId} still ${body.state}: ${JSON.stringify(body.steps)}`);
    await new Promise((r) => setTimeout(r, 200));
  }
}
