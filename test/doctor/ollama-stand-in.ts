import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';

/**
 * A stand-in for Ollama's HTTP API on 127.0.0.1 with Ollama's CORS behaviour: a preflight from an
 * origin in `origins` (OLLAMA_ORIGINS) gets 204 with Access-Control-Allow-Origin, any other 403.
 */
export class OllamaStandIn {
  private constructor(
    private readonly server: Server,
    readonly origins: Set<string>,
  ) {}

  /** On `port` when given (to come back where a stopped one was), else any free port. */
  static async start(origins: string[], port = 0): Promise<OllamaStandIn> {
    const allowed = new Set(origins);
    const server = createServer((req, res) => {
      const origin = req.headers.origin;
      if (req.method === 'OPTIONS') {
        if (origin && allowed.has(origin)) {
          res.writeHead(204, {
            'access-control-allow-origin': origin,
            'access-control-allow-methods': 'GET,POST,PUT,PATCH,DELETE,HEAD,OPTIONS',
            'access-control-allow-headers': 'content-type',
          });
        } else res.writeHead(403);
        res.end();
        return;
      }
      res.writeHead(200, { 'content-type': 'application/json' });
      res.end(req.url === '/api/tags' ? '{"models":[{"name":"llama3:latest"}]}' : 'Ollama is running');
    });
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(port, '127.0.0.1', () => resolve());
    });
    return new OllamaStandIn(server, allowed);
  }

  get port(): number {
    return (this.server.address() as AddressInfo).port;
  }

  async stop(): Promise<void> {
    this.server.closeAllConnections();
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }
}
