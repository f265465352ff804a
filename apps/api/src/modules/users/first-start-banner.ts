import { resolve } from 'node:path';

export interface FirstStart {
  /** Where the server listens, as a person would type it. */
  url: string;
  email: string;
  password: string;
  /** DATABASE_URL, or absent for the embedded database under dataDir. */
  databaseUrl: string | undefined;
  dataDir: string;
}

/** The address a browser on this machine uses: a wildcard host is reached as localhost. */
export function browserUrl(host: string, port: number): string {
  const name = ['0.0.0.0', '::', ''].includes(host) ? 'localhost' : host.includes(':') ? `[${host}]` : host;
  return `http://${name}:${port}`;
}

/** Where the data lives, without the database's credentials. */
function dataLocation(databaseUrl: string | undefined, dataDir: string): string {
  if (!databaseUrl) return `${resolve(dataDir)} (embedded Postgres)`;
  const url = new URL(databaseUrl);
  return `Postgres at ${url.host}${url.pathname}`;
}

/**
 * What a person starting Portico for the first time needs, as plain boxed text for the console:
 * the address, the admin, the generated password (shown this once) and where the data is.
 */
export function firstStartBanner(start: FirstStart): string {
  const lines = [
    `Portico is running at ${start.url}`,
    '',
    `Admin e-mail:            ${start.email}`,
    `Password (shown once):   ${start.password}`,
    `Data:                    ${dataLocation(start.databaseUrl, start.dataDir)}`,
    '',
    'Sign in and change the password (or set PORTICO_ADMIN_EMAIL and',
    'PORTICO_ADMIN_PASSWORD before the first start next time).',
  ];
  const width = Math.max(...lines.map((l) => l.length));
  const rule = '─'.repeat(width + 2);
  return `\n┌${rule}┐\n${lines.map((l) => `│ ${l.padEnd(width)} │`).join('\n')}\n└${rule}┘\n\n`;
}
