import {
  createServer as createHttpServer,
  type IncomingMessage,
  type Server,
  type ServerResponse,
} from 'node:http';
import { createServer as createHttpsServer } from 'node:https';
import type { AddressInfo } from 'node:net';
import { WebSocketServer } from 'ws';

/** How the target answers right now; tests switch it while probes run. */
export type TargetMode = 'ok' | 'fail' | 'slow' | 'hang' | 'flap';

/**
 * A real HTTP(S) + WebSocket server on 127.0.0.1 that can be made to fail on demand:
 *   ok   → 200 (GET /api/tags answers an Ollama-style model list)
 *   fail → 503, and WebSocket upgrades are refused
 *   slow → 200 after `slowMs`
 *   hang → never answers
 *   flap → alternates 200 and 503 per request
 * stop() closes it: connections are then refused.
 */
export class ProbeTarget {
  mode: TargetMode = 'ok';
  slowMs = 800;
  requests = 0;
  private flip = false;

  private constructor(
    private readonly server: Server,
    private readonly wss: WebSocketServer,
  ) {}

  static async start(
    options: { tls?: { key: string; cert: string }; port?: number } = {},
  ): Promise<ProbeTarget> {
    let target: ProbeTarget | undefined;
    const handler = (req: IncomingMessage, res: ServerResponse) => target?.answer(req, res);
    const server = options.tls ? createHttpsServer(options.tls, handler) : createHttpServer(handler);
    const wss = new WebSocketServer({ noServer: true });
    target = new ProbeTarget(server, wss);
    server.on('upgrade', (req, socket, head) => {
      if (target?.mode === 'fail') {
        socket.end('HTTP/1.1 503 Service Unavailable\r\ncontent-length: 0\r\n\r\n');
        return;
      }
      wss.handleUpgrade(req, socket, head, (ws) => ws.on('message', (d) => ws.send(d)));
    });
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(options.port ?? 0, '127.0.0.1', () => resolve());
    });
    return target;
  }

  get port(): number {
    return (this.server.address() as AddressInfo).port;
  }

  private answer(req: IncomingMessage, res: ServerResponse): void {
    this.requests++;
    req.resume();
    let mode = this.mode;
    if (mode === 'flap') {
      this.flip = !this.flip;
      mode = this.flip ? 'ok' : 'fail';
    }
    if (mode === 'hang') return;
    const send = () => {
      if (mode === 'fail') {
        res.writeHead(503, { 'content-type': 'text/plain' }).end('down for the test');
        return;
      }
      const body =
        req.url === '/api/tags' ? { models: [{ name: 'llama3:8b' }, { name: 'qwen2:0.5b' }] } : { ok: true };
      res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify(body));
    };
    if (mode === 'slow') setTimeout(send, this.slowMs);
    else send();
  }

  async stop(): Promise<void> {
    for (const client of this.wss.clients) client.terminate();
    this.wss.close();
    this.server.closeAllConnections();
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }
}
