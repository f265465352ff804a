import { describe, expect, it } from '@jest/globals';
import { ApacheConfigParser } from './apache-config.parser.js';

const parse = (content: string) =>
  new ApacheConfigParser().parse([{ path: '/etc/apache2/sites-enabled/x.conf', content }]);

describe('ApacheConfigParser', () => {
  it('tokenizes sections, quotes and continued lines', () => {
    expect(
      ApacheConfigParser.tokenize(
        '<VirtualHost *:80>\n  Header set X "a b" \\\n    always\n</VirtualHost>\n',
      ),
    ).toEqual([
      {
        name: 'VirtualHost',
        args: ['*:80'],
        line: 1,
        block: [{ name: 'Header', args: ['set', 'X', 'a b', 'always'], line: 2 }],
      },
    ]);
  });

  it('merges the port-80 redirect twin into the TLS site', () => {
    const p = parse(`<VirtualHost *:80>
  ServerName chat.example.com
  Redirect permanent / https://chat.example.com/
</VirtualHost>
<VirtualHost *:443>
  ServerName chat.example.com
  SSLEngine on
  Header always set Strict-Transport-Security "max-age=63072000"
  <Location /ws>
    ProxyPass ws://127.0.0.1:3000/ws
  </Location>
  ProxyPass / http://127.0.0.1:3000/ flushpackets=on
</VirtualHost>`);
    expect(p.sites).toEqual([
      expect.objectContaining({
        name: 'chat-example-com',
        listen: ['*:80', '*:443'],
        tls: true,
        httpsRedirect: true,
        hsts: true,
        websocket: true,
        routes: [
          { pathPrefix: '/ws', upstream: '127-0-0-1-3000', streaming: false },
          { pathPrefix: '/', upstream: '127-0-0-1-3000', streaming: true },
        ],
      }),
    ]);
    expect(p.upstreams).toHaveLength(1);
  });

  it('reports exclusions, path rewrites and catch-all hosts as unmapped', () => {
    const p = parse(`<VirtualHost *:80>
  ServerName a.example.com
  ProxyPass /static !
  ProxyPass /app http://10.0.0.1:8080/
</VirtualHost>
<VirtualHost *:80>
  DocumentRoot /var/www/html
</VirtualHost>`);
    expect(p.unmapped.map((u) => u.line)).toEqual([3, 4, 7, 6]);
  });
});
