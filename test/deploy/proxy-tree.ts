import { createHash } from 'node:crypto';
import type { RenderedFile } from '../../apps/api/src/modules/render/fleet-state.js';
import type { SshHost } from '../fixtures/ssh-host.js';

// Small, realistic revision trees written by hand (the real renderer is tested elsewhere). They
// follow the renderer's contract: paths relative to the tree, contents refer to each other
// through `<configRoot>/live/`.

export interface TestSite {
  name: string;
  hostname: string;
  /** Text the site answers with at /. */
  body?: string;
  /** Proxy / to this URL instead of answering itself. */
  proxyTo?: string;
}

export function file(path: string, content: string, mode = 0o644): RenderedFile {
  return { path, mode, content, sha256: createHash('sha256').update(content).digest('hex') };
}

/** The complete tree for a host: main include, one file per site, a snippet, a private key. */
export function treeFor(host: SshHost, sites: TestSite[], extra: RenderedFile[] = []): RenderedFile[] {
  const live = `${host.configRoot}/live`;
  const listen = `${host.address}:${host.httpPort}`;
  const key = file(
    'certs/test/privkey.pem',
    '-----BEGIN PRIVATE KEY-----\nnot-a-real-key\n-----END PRIVATE KEY-----\n',
    0o600,
  );
  if (host.flavor === 'nginx') {
    return [
      file(
        'nginx/portico.conf',
        `# Portico: everything below comes from the live revision\ninclude ${live}/nginx/sites/*.conf;\n`,
      ),
      file('nginx/snippets/headers.conf', 'add_header X-Served-By portico always;\n'),
      ...sites.map((s) =>
        file(
          `nginx/sites/${s.name}.conf`,
          `server {
    listen ${listen};
    server_name ${s.hostname};
    include ${live}/nginx/snippets/*.conf;
    location / {
${s.proxyTo ? `        proxy_pass ${s.proxyTo};\n        proxy_set_header Host $host;` : `        return 200 "${s.body ?? s.name}\\n";`}
    }
}
`,
        ),
      ),
      key,
      ...extra,
    ];
  }
  return [
    file(
      'apache/portico.conf',
      `# Portico: everything below comes from the live revision\nIncludeOptional ${live}/apache/sites/*.conf\n`,
    ),
    ...sites.flatMap((s) => [
      file(
        `apache/sites/${s.name}.conf`,
        `<VirtualHost ${listen}>
    ServerName ${s.hostname}
    Header always set X-Served-By portico
${
  s.proxyTo
    ? `    ProxyPreserveHost On\n    ProxyPass / ${s.proxyTo}/\n    ProxyPassReverse / ${s.proxyTo}/`
    : `    DocumentRoot ${live}/apache/www/${s.name}\n    <Directory ${live}/apache/www/${s.name}>\n        Require all granted\n    </Directory>`
}
</VirtualHost>
`,
      ),
      ...(s.proxyTo ? [] : [file(`apache/www/${s.name}/index.html`, `${s.body ?? s.name}\n`)]),
    ]),
    key,
    ...extra,
  ];
}
