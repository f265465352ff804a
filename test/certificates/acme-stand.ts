import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Bind } from '../fixtures/bind.js';
import { Pebble } from '../fixtures/pebble.js';
import { freePort } from '../fixtures/ports.js';
import { SshHost } from '../fixtures/ssh-host.js';
import { FLEET_ENV } from '../fleet/fleet-app.js';
import type { ApiClient } from '../support/api-client.js';
import { type AppEnv, TestApp } from '../support/test-app.js';
import { TestDatabase } from '../support/test-database.js';

/**
 * ACME end to end with no stand-ins: one real sshd + nginx host with an HTTPS port of its own,
 * a backend answering `body`, BIND resolving `hostname` to the host, Pebble validating HTTP-01
 * on it, and the built app trusting Pebble's directory TLS through NODE_EXTRA_CA_CERTS.
 */
export class AcmeStand {
  private constructor(
    readonly host: SshHost,
    readonly httpsPort: number,
    readonly backend: Server,
    readonly bind: Bind,
    readonly pebble: Pebble,
    private readonly caDir: string,
    readonly db: TestDatabase,
    readonly app: TestApp,
    readonly api: ApiClient,
  ) {}

  static async start(o: { label: string; zone: string; hostname: string; body: string; env?: AppEnv }) {
    const host = await SshHost.start({ flavor: 'nginx' });
    const httpsPort = await freePort();
    const backend = createServer((_req, res) => res.end(o.body));
    await new Promise<void>((r) => backend.listen(0, '127.0.0.1', r));
    const bind = await Bind.start({ zone: o.zone, a: { [o.hostname]: host.address } });
    const pebble = await Pebble.start({ httpPort: host.httpPort, dnsPort: bind.port });
    const caDir = mkdtempSync(join(tmpdir(), 'portico-pebble-ca-'));
    writeFileSync(join(caDir, 'pebble-tls-ca.pem'), pebble.tlsCa);
    const db = await TestDatabase.create(o.label);
    const app = await TestApp.start({
      databaseUrl: db.url,
      env: { ...FLEET_ENV, NODE_EXTRA_CA_CERTS: join(caDir, 'pebble-tls-ca.pem'), ...o.env },
    });
    return new AcmeStand(host, httpsPort, backend, bind, pebble, caDir, db, app, await app.admin());
  }

  get backendPort(): number {
    return (this.backend.address() as { port: number }).port;
  }

  async stop(): Promise<void> {
    await this.app.stop();
    await this.db.drop();
    await this.pebble.stop();
    await this.bind.stop();
    await new Promise((r) => this.backend.close(r));
    await this.host.stop();
    rmSync(this.caDir, { recursive: true, force: true });
  }
}
