import { describe, expect, it } from '@jest/globals';
import { NginxConfigParser } from './nginx-config.parser.js';

const parse = (content: string) =>
  new NginxConfigParser().parse([{ path: '/etc/nginx/sites-enabled/x', content }]);

describe('NginxConfigParser', () => {
  it('tokenizes quoted words, comments and nested blocks with line numbers', () => {
    const directives = NginxConfigParser.tokenize('# c\nhttp {\n  add_header X "a; b" always; # tail\n}\n');
    expect(directives).toEqual([
      {
        name: 'http',
        args: [],
        line: 2,
        block: [{ name: 'add_header', args: ['X', 'a; b', 'always'], line: 3 }],
      },
    ]);
  });

  it('maps a server with direct proxy_pass targets to a site and deduplicated upstreams', () => {
    const p = parse(`server {
  listen 80;
  server_name app.example.com;
  location / { proxy_pass http://10.0.0.5:8080; }
  location /api/ { proxy_pass http://10.0.0.5:8080/api/; proxy_read_timeout 2m; }
}`);
    expect(p.upstreams).toEqual([
      expect.objectContaining({ name: '10-0-0-5-8080', targets: [expect.objectContaining({ port: 8080 })] }),
    ]);
    expect(p.sites[0]).toMatchObject({
      name: 'app-example-com',
      readTimeoutSec: 120,
      routes: [
        { pathPrefix: '/', upstream: '10-0-0-5-8080', streaming: false },
        { pathPrefix: '/api/', upstream: '10-0-0-5-8080', streaming: false },
      ],
    });
    expect(p.unmapped).toEqual([]);
  });

  it('reads whole nginx.conf files (http block) and reports what it cannot map', () => {
    const p = parse(`worker_processes 1;
http {
  server {
    server_name a.example.com;
    root /var/www;
    location / { proxy_pass http://backend$request_uri; }
    location /strip/ { proxy_pass http://10.0.0.1:80/; }
  }
  server { listen 80 default_server; return 444; }
}`);
    expect(p.unmapped.map((u) => [u.line, u.directive])).toEqual([
      [1, 'worker_processes'],
      [5, 'root'],
      [6, 'proxy_pass http://backend$request_uri'],
      [7, 'proxy_pass http://10.0.0.1:80/'],
      [9, 'return'],
      [9, 'server'],
    ]);
    expect(p.sites).toEqual([expect.objectContaining({ name: 'a-example-com', routes: [] })]);
  });
});
