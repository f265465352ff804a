import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { ManagedProcess, waitForPort } from '../fixtures/managed-process.js';

export interface ProxiedSite {
  host: string;
  targetPort: number;
  /** Pass WebSocket upgrades (the Upgrade/Connection headers) to the target. */
  websocket: boolean;
  /** Serve HTTPS with this certificate and redirect plain HTTP to it. */
  tls?: { certFile: string; keyFile: string };
}

/**
 * A real nginx in front of probe targets, self-contained in `dir` (never /etc/nginx): one
 * server block per site on shared HTTP/HTTPS ports, selected by Host/SNI like on an agent.
 */
export class ProbeProxy {
  private process: ManagedProcess | null = null;

  constructor(
    readonly dir: string,
    readonly httpPort: number,
    readonly httpsPort: number,
  ) {}

  async start(sites: ProxiedSite[]): Promise<void> {
    const t = join(this.dir, 'tmp');
    mkdirSync(t, { recursive: true, mode: 0o777 });
    const blocks = sites.map((s) => {
      const proxy = `proxy_pass http://127.0.0.1:${s.targetPort};
            proxy_http_version 1.1;
            proxy_set_header Host $host;
            ${s.websocket ? 'proxy_set_header Upgrade $http_upgrade; proxy_set_header Connection $connection_upgrade;' : 'proxy_set_header Connection "";'}`;
      if (!s.tls) {
        return `server { listen 127.0.0.1:${this.httpPort}; server_name ${s.host}; location / { ${proxy} } }`;
      }
      return `server { listen 127.0.0.1:${this.httpPort}; server_name ${s.host}; return 301 https://$host$request_uri; }
    server { listen 127.0.0.1:${this.httpsPort} ssl; server_name ${s.host};
        ssl_certificate ${s.tls.certFile}; ssl_certificate_key ${s.tls.keyFile};
        location / { ${proxy} } }`;
    });
    const conf = join(this.dir, 'nginx.conf');
    writeFileSync(
      conf,
      `worker_processes 1;
pid ${this.dir}/nginx.pid;
error_log ${this.dir}/error.log warn;
events { worker_connections 512; }
http {
    access_log off;
    client_body_temp_path ${t}/body; proxy_temp_path ${t}/proxy; fastcgi_temp_path ${t}/fastcgi;
    uwsgi_temp_path ${t}/uwsgi; scgi_temp_path ${t}/scgi;
    map $http_upgrade $connection_upgrade { default upgrade; '' close; }
    server { listen 127.0.0.1:${this.httpPort} default_server; return 404; }
    ${blocks.join('\n    ')}
}
`,
    );
    this.process = ManagedProcess.start('nginx', [
      '-e',
      join(this.dir, 'error.log'),
      '-c',
      conf,
      '-g',
      'daemon off;',
    ]);
    await waitForPort(this.httpPort);
    if (sites.some((s) => s.tls)) await waitForPort(this.httpsPort);
  }

  async stop(): Promise<void> {
    await this.process?.stop();
    this.process = null;
  }
}
