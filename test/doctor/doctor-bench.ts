import { appendFileSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, expect } from '@jest/globals';
import { DOCTOR_CODES } from '../../apps/api/src/modules/doctor/doctor-codes.js';
import type { ProxyFlavor } from '../../apps/api/src/modules/render/fleet-state.js';
import { Bind } from '../fixtures/bind.js';
import { SshHostFleet } from '../fixtures/ssh-host-fleet.js';
import { TestUpstream } from '../fixtures/test-upstream.js';
import { createTestPki, type LeafValidity, type TestPki } from '../fixtures/tls.js';
import { FleetApp } from '../fleet/fleet-app.js';
import { deploy, type RegisteredAgent, registerAgents, targetOf } from '../fleet/fleet-setup.js';
import { uniqueName } from '../support/factories.js';
import { TestDatabase } from '../support/test-database.js';

// What every doctor test file stands on: the built API on its own database, real sshd hosts with
// real nginx or Apache (HTTPS on a port of their own), `*.example.test` in a real BIND pointing at
// the first host, a test CA the doctor trusts, and the Open WebUI stand-in (WebSocket echo, /stream).

export interface DoctorCheckView {
  code: string;
  status: 'pass' | 'warn' | 'fail' | 'skip';
  message: string;
  agentId?: string;
  subject?: string;
  evidence: Record<string, unknown>;
  remediation: string | null;
}

export interface DoctorReport {
  siteId: string;
  status: string;
  counts: Record<string, number>;
  checks: DoctorCheckView[];
}

export const withCode = (r: DoctorReport, code: string) => r.checks.filter((c) => c.code === code);

export const statuses = (r: DoctorReport, code: string) => withCode(r, code).map((c) => c.status);

/** What a healthy TLS Open WebUI site without Ollama must pass: every code but CORS_ORIGINS. */
export const OPEN_WEBUI_CODES = DOCTOR_CODES.filter((code) => code !== 'CORS_ORIGINS');

/** The codes among `codes` that no check of the report passed. */
export const notPassed = (r: DoctorReport, codes: readonly string[]) =>
  codes.filter((code) => !r.checks.some((c) => c.code === code && c.status === 'pass'));

/** Every fail and warn as `CODE: message`, so an unexpected one shows what it said. */
export const alarms = (r: DoctorReport) =>
  r.checks.filter((c) => c.status === 'fail' || c.status === 'warn').map((c) => `${c.code}: ${c.message}`);

/** Codes that failed or warned, once each, sorted. */
export const alarmCodes = (r: DoctorReport) =>
  [...new Set(r.checks.filter((c) => c.status === 'fail' || c.status === 'warn').map((c) => c.code))].sort();

export interface WebuiSiteOptions {
  /** Default: the bench's first agent. */
  agents?: RegisteredAgent[];
  websocket?: boolean;
  streaming?: boolean;
  readTimeoutSec?: number;
  /** The upstream target; default the stand-in on 127.0.0.1. */
  targetHost?: string;
  port?: number;
  /** The service's hostPort: default the target port; null leaves it unset (Docker's 3000). */
  hostPort?: number | null;
  /** null: a plain-HTTP site. Default: a certificate for *.example.test from the trusted test CA. */
  certificateId?: string | null;
  httpsRedirect?: boolean;
  deploy?: boolean;
  /** Default `<name>.example.test`, which the test BIND resolves to the first host. */
  hostname?: string;
}

export interface WebuiSite {
  siteId: string;
  name: string;
  hostname: string;
  upstreamId: string;
  upstreamName: string;
  serviceId: string;
  serviceName: string;
}

export class DoctorBench {
  /** A certificate for *.example.test from a trusted test CA: what webuiSite serves by default. */
  private defaultCertificate = '';

  private constructor(
    readonly db: TestDatabase,
    readonly portico: FleetApp,
    readonly fleet: SshHostFleet,
    readonly bind: Bind,
    readonly webui: TestUpstream,
    readonly dir: string,
    readonly agents: RegisteredAgent[],
    private readonly httpsPorts: Map<string, number>,
    /** HEALTH_TLS_CA_FILE: the doctor reads it on every run, so CAs can be added as tests go. */
    private readonly caFile: string,
  ) {}

  static async start(name: string, flavors: ProxyFlavor[]): Promise<DoctorBench> {
    const dir = mkdtempSync(join(tmpdir(), `portico-${name}-`));
    const caFile = join(dir, 'ca.pem');
    writeFileSync(caFile, '');
    const undo: (() => Promise<unknown>)[] = [async () => rmSync(dir, { recursive: true, force: true })];
    try {
      const db = await TestDatabase.create(name);
      undo.push(() => db.drop());
      const webui = await TestUpstream.start({ name: 'webui', chunks: 6, chunkIntervalMs: 150 });
      undo.push(() => webui.stop());
      const fleet = await SshHostFleet.start(flavors);
      undo.push(() => fleet.stop());
      const bind = await Bind.start({ zone: 'example.test', a: { '*.example.test': fleet.host(0).address } });
      undo.push(() => bind.stop());
      const portico = await FleetApp.start(db.url, FleetApp.secretKey(), {
        DOCTOR_DNS_SERVERS: `127.0.0.1:${bind.port}`,
        HEALTH_TLS_CA_FILE: caFile,
        HEALTH_TLS_WARN_DAYS: '14',
        HEALTH_ENABLED: 'false',
      });
      undo.push(() => portico.stop());
      const httpsPorts = new Map<string, number>();
      for (const host of fleet.hosts) {
        const port = await host.freePort();
        httpsPorts.set(host.address, port);
        if (host.flavor === 'apache') {
          host.proxy.enableHttps(port);
          await host.stopProxy();
          await host.startProxy();
        }
      }
      const agents = await registerAgents(portico.api, fleet.hosts, (h) => ({
        httpsPort: httpsPorts.get(h.address),
      }));
      const bench = new DoctorBench(db, portico, fleet, bind, webui, dir, agents, httpsPorts, caFile);
      bench.defaultCertificate = (await bench.certificate(['*.example.test'])).id;
      return bench;
    } catch (error) {
      for (const step of undo.reverse()) await step().catch(() => undefined);
      throw error;
    }
  }

  /** Starts a bench in the calling file's beforeAll, hands it to `ready`, stops it in afterAll. */
  static forFile(
    name: string,
    flavors: ProxyFlavor[],
    ready: (bench: DoctorBench) => void | Promise<void>,
  ): void {
    let bench: DoctorBench | undefined;
    beforeAll(async () => {
      bench = await DoctorBench.start(name, flavors);
      await ready(bench);
    });
    afterAll(async () => {
      await bench?.stop();
    });
  }

  agent(index: number): RegisteredAgent {
    const agent = this.agents[index];
    if (!agent) throw new Error(`no agent ${index}`);
    return agent;
  }

  /** The port the agent's proxy serves HTTPS on (each test host has its own). */
  httpsPort(agent: RegisteredAgent): number {
    const port = this.httpsPorts.get(agent.host.address);
    if (port === undefined) throw new Error(`no HTTPS port for ${agent.name}`);
    return port;
  }

  /** A test PKI for these names, its CA trusted by the doctor unless `trusted: false`, uploaded. */
  async certificate(
    hostnames: string[],
    options: { validity?: LeafValidity; trusted?: boolean } = {},
  ): Promise<{ id: string; pki: TestPki; dir: string }> {
    const dir = join(this.dir, uniqueName('pki'));
    const pki = createTestPki(dir, hostnames, { validity: options.validity });
    if (options.trusted !== false) appendFileSync(this.caFile, pki.caPem);
    const res = await this.upload(pki);
    if (res.status !== 201) throw new Error(`certificate upload: ${res.status} ${res.text}`);
    return { id: res.body.id as string, pki, dir };
  }

  upload(pki: TestPki) {
    return this.portico.api.post('/api/v1/certificates', {
      chainPem: pki.chainPem,
      keyPem: pki.keyPem,
      caPem: pki.caPem,
    });
  }

  /** Open WebUI as the guide sets it up: container publishing <port>, a TLS site with WebSocket and streaming. */
  async webuiSite(o: WebuiSiteOptions = {}): Promise<WebuiSite> {
    const agents = o.agents ?? [this.agent(0)];
    const port = o.port ?? this.webui.port;
    const upstream = await this.portico.api.post('/api/v1/upstreams', {
      name: uniqueName('owui'),
      kind: 'openwebui',
      targets: [{ host: o.targetHost ?? '127.0.0.1', port }],
    });
    expect(upstream.status).toBe(201);
    const hostPort = o.hostPort === undefined ? port : o.hostPort;
    const service = await this.portico.api.post('/api/v1/services', {
      name: uniqueName('open-webui'),
      kind: 'openwebui',
      options: { upstream: upstream.body.name, timeoutSec: 300, ...(hostPort === null ? {} : { hostPort }) },
      agents: agents.map((a) => a.name),
    });
    expect(service.status).toBe(201);
    const name = uniqueName('chat');
    const hostname = o.hostname ?? `${name}.example.test`;
    const certificateId = o.certificateId === undefined ? this.defaultCertificate : o.certificateId;
    const site = await this.portico.api.post('/api/v1/sites', {
      name,
      hostnames: [hostname],
      ...(certificateId === null
        ? { tlsMode: 'off' }
        : { tlsMode: 'uploaded', certificateId, httpsRedirect: o.httpsRedirect ?? true }),
      websocket: o.websocket ?? true,
      routes: [{ pathPrefix: '/', upstream: upstream.body.name, streaming: o.streaming ?? true }],
      agents: agents.map((a) => a.name),
    });
    expect(site.status).toBe(201);
    if (o.readTimeoutSec) {
      // Shorter than the app's own timeout is refused on save (APP_TIMEOUT_EXCEEDS_PROXY); the
      // doctor looks at states that got there anyway (written before the rule, or by hand).
      await this.db.query(`UPDATE "Site" SET "readTimeoutSec" = $1 WHERE id = $2`, [
        o.readTimeoutSec,
        site.body.id,
      ]);
    }
    if (o.deploy !== false && agents.length > 0) await this.deploy(agents);
    return {
      siteId: site.body.id as string,
      name,
      hostname,
      upstreamId: upstream.body.id as string,
      upstreamName: upstream.body.name as string,
      serviceId: service.body.id as string,
      serviceName: service.body.name as string,
    };
  }

  /** Deploys the agents through the API; each must succeed. */
  async deploy(agents: RegisteredAgent[]): Promise<void> {
    const done = await deploy(this.portico.api, agents);
    for (const a of agents)
      expect([a.name, targetOf(done, a).status, targetOf(done, a).error]).toEqual([
        a.name,
        expect.stringMatching(/succeeded|unchanged/),
        null,
      ]);
  }

  /** testssl takes ~8 s a scan: off unless the body asks for it. */
  async doctor(siteId: string, body: Record<string, unknown> = {}): Promise<DoctorReport> {
    const res = await this.portico.api.request('POST', `/api/v1/sites/${siteId}/doctor`, {
      body: { tlsScan: false, ...body },
      timeoutMs: 180_000,
    });
    if (res.status !== 200) throw new Error(`doctor: ${res.status} ${res.text}`);
    return res.body as DoctorReport;
  }

  async stop(): Promise<void> {
    await this.portico.stop();
    await this.fleet.stop();
    await this.bind.stop();
    await this.webui.stop();
    await this.db.drop();
    rmSync(this.dir, { recursive: true, force: true });
  }
}
