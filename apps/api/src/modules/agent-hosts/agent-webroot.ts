import { request } from 'node:http';
import type { Agent } from '../../generated/prisma/client.js';
import { shellArg } from '../deploy/shell-arg.js';
import type { SshTransport } from '../deploy/ssh.transport.js';
import type { AgentConnector } from './agent-connector.js';

export const CHALLENGE_DIR = '.well-known/acme-challenge';
const PROBE_TIMEOUT_MS = 3_000;

/**
 * One agent's ACME webroot (`<configRoot>/acme`, outside revisions), reached over SSH: writes
 * and removes HTTP-01 answers, and fetches them back through the agent's own port-80 listener
 * (direct-tcpip through the same connection) to prove the CA will be able to.
 */
export class AgentWebroot {
  private constructor(
    readonly agent: Pick<Agent, 'id' | 'name' | 'configRoot' | 'listenAddress' | 'httpPort'>,
    private readonly transport: SshTransport,
  ) {}

  /** Over a connection the caller already holds (and closes). */
  static over(agent: Agent, transport: SshTransport): AgentWebroot {
    return new AgentWebroot(agent, transport);
  }

  /** Through the AgentConnector, so host-key pinning and a changed key apply here too. */
  static async open(agent: Agent, connector: AgentConnector): Promise<AgentWebroot> {
    const transport = await connector.connect(agent);
    return new AgentWebroot(agent, transport);
  }

  private get dir(): string {
    return `${this.agent.configRoot.replace(/\/+$/, '')}/acme/${CHALLENGE_DIR}`;
  }

  async put(token: string, content: string): Promise<void> {
    assertToken(token);
    const made = await this.transport.exec(
      `mkdir -p ${shellArg(this.dir)} && chmod 755 ${shellArg(this.dir)}`,
    );
    if (made.code !== 0)
      throw new Error(`${this.agent.name}: cannot create the webroot: ${made.stderr.trim()}`);
    await this.transport.putFiles([{ path: `${this.dir}/${token}`, content, mode: 0o644 }]);
  }

  async remove(token: string): Promise<void> {
    assertToken(token);
    await this.transport.exec(`rm -f ${shellArg(`${this.dir}/${token}`)}`);
  }

  /** GET http://<hostname>/.well-known/acme-challenge/<token> from the agent's own listener. */
  async fetch(
    hostname: string,
    token: string,
  ): Promise<{ status: number; body: string } | { error: string }> {
    const address = this.agent.listenAddress ?? '127.0.0.1';
    let stream: import('node:stream').Duplex;
    try {
      stream = await this.transport.openTcp(address, this.agent.httpPort);
    } catch (error) {
      return { error: (error as Error).message };
    }
    return new Promise((resolve) => {
      const req = request(
        {
          createConnection: () => stream as never,
          path: `/${CHALLENGE_DIR}/${token}`,
          headers: { host: hostname, connection: 'close', 'user-agent': 'portico-acme-precheck' },
          timeout: PROBE_TIMEOUT_MS,
        },
        (res) => {
          let body = '';
          res.setEncoding('utf8');
          res.on('data', (chunk: string) => {
            if (body.length < 4096) body += chunk;
          });
          res.on('end', () => resolve({ status: res.statusCode ?? 0, body }));
          res.on('error', (e) => resolve({ error: e.message }));
        },
      );
      req.on('timeout', () => req.destroy(new Error(`no answer within ${PROBE_TIMEOUT_MS} ms`)));
      req.on('error', (e) => {
        stream.destroy();
        resolve({ error: e.message });
      });
      req.end();
    });
  }

  close(): void {
    this.transport.close();
  }
}

function assertToken(token: string): void {
  // ACME tokens are base64url (RFC 8555 §8.3); anything else must never reach a path.
  if (!/^[A-Za-z0-9_-]{1,256}$/.test(token)) throw new Error('invalid ACME token');
}
