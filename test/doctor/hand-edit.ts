import { execFile, execSync } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { SshHost } from '../fixtures/ssh-host.js';
import { until } from '../fleet/fleet-app.js';

// Breaking a host on purpose the way people do: editing Portico's live files by hand and
// reloading, then putting them back. The waits watch the effect from outside, since a reload
// hands over to new workers only after the command returns.

/**
 * A hand edit of a live file on the host, as an admin would make it, and a reload so the proxy
 * serves it (`reload: false` leaves the running proxy alone, as with an edit that would not
 * load); waits until `visible` sees it. Returns the undo, which restores the file byte for byte
 * (drift is clean again), reloads and waits for `gone`.
 */
export async function handEdit(
  host: SshHost,
  file: string,
  edit: (text: string) => string,
  options: { visible?: () => Promise<boolean>; gone?: () => Promise<boolean>; reload?: boolean } = {},
): Promise<() => Promise<void>> {
  const path = join(host.configRoot, 'live', file);
  const original = readFileSync(path, 'utf8');
  const edited = edit(original);
  if (edited === original) throw new Error(`the edit changes nothing in ${file}:\n${original}`);
  const reload = () => {
    if (options.reload !== false) execSync(host.proxy.reloadCommand, { stdio: 'pipe' });
  };
  const undo = async () => {
    writeFileSync(path, original);
    reload();
    if (options.gone) await until(options.gone, 10_000);
  };
  writeFileSync(path, edited);
  try {
    reload();
    if (options.visible) await until(options.visible, 10_000);
  } catch (error) {
    await undo().catch(() => undefined);
    throw error;
  }
  return undo;
}

/**
 * handEdit's waits for an edit seen on port 80: GET `path` answers `edited` while it is live and
 * `original` again once undone.
 */
export function port80Turns(host: SshHost, hostname: string, original: number, edited: number, path = '/') {
  const status = async () => (await host.get(hostname, path).catch(() => ({ status: 0 }))).status;
  return {
    visible: async () => (await status()) === edited,
    gone: async () => (await status()) === original,
  };
}

/** handEdit's waits for an edit that lets TLS 1.0 through: refused before, negotiated while live. */
export function tls1Turns(host: SshHost, port: number, servername: string) {
  const tls1 = () => legacyHandshake(host, port, servername, '-tls1');
  return {
    visible: async () => (await tls1()) === 'TLSv1',
    gone: async () => (await tls1()) === null,
  };
}

/**
 * The protocol `openssl s_client` negotiates when it offers only `version` (`-tls1`, `-tls1_1`)
 * with every cipher OpenSSL 3 has (SECLEVEL=0), or null when the server refuses: a check on the
 * doctor's TLS_PROTOCOLS verdict that does not share its code.
 */
export function legacyHandshake(
  host: SshHost,
  port: number,
  servername: string,
  version: '-tls1' | '-tls1_1',
): Promise<string | null> {
  return new Promise((resolve) => {
    const child = execFile(
      'openssl',
      [
        's_client',
        '-connect',
        `${host.address}:${port}`,
        '-servername',
        servername,
        version,
        '-cipher',
        'DEFAULT:@SECLEVEL=0',
      ],
      { timeout: 10_000 },
      (error, stdout) => {
        const protocol = /^\s*Protocol\s*:\s*(\S+)/m.exec(stdout)?.[1] ?? null;
        resolve(error ? null : protocol);
      },
    );
    child.stdin?.end();
  });
}
