import { statSync } from 'node:fs';
import { createServer, type Server, type Socket } from 'node:net';
import { inspect } from 'node:util';
import { afterAll, beforeAll, describe, expect, it, jest } from '@jest/globals';
import { DeployError } from '../../apps/api/src/modules/deploy/deploy.error.js';
import { SshTransport } from '../../apps/api/src/modules/deploy/ssh.transport.js';
import { LoopbackAddress } from '../fixtures/loopback-address.js';
import { SshHost } from '../fixtures/ssh-host.js';

// Real hosts: give each test room even when the jest project timeout is not applied.
jest.setTimeout(90_000);

async function codeOf(promise: Promise<unknown>): Promise<string> {
  try {
    await promise;
    return 'resolved';
  } catch (error) {
    return error instanceof DeployError ? error.code : `untyped: ${(error as Error).message}`;
  }
}

describe('SshTransport against a real sshd', () => {
  let host: SshHost;
  let spare: LoopbackAddress;

  beforeAll(async () => {
    host = await SshHost.start({ flavor: 'nginx' });
    spare = LoopbackAddress.lease();
  });

  afterAll(async () => {
    await host?.stop();
    spare?.release();
  });

  it('reports the host key fingerprint on first contact, in OpenSSH format, and runs commands', async () => {
    const t = await SshTransport.connect(host.target());
    try {
      expect(t.firstContact).toBe(true);
      expect(t.hostKeyFingerprint).toBe(host.hostKeyFingerprint);
      expect(t.hostKeyFingerprint).toMatch(/^SHA256:[A-Za-z0-9+/]{43}$/);
      const r = await t.exec('echo out; echo err >&2; exit 3');
      expect(r).toEqual({ code: 3, stdout: 'out\n', stderr: 'err\n' });
      expect(JSON.stringify(t)).not.toContain('PRIVATE KEY');
      expect(inspect(t, { depth: 10 })).not.toContain('PRIVATE KEY');
    } finally {
      t.close();
    }
  });

  it('connects when the pinned fingerprint matches', async () => {
    const t = await SshTransport.connect(host.target({ hostKeyFingerprint: host.hostKeyFingerprint }));
    expect(t.firstContact).toBe(false);
    t.close();
  });

  it('uploads files over SFTP with exact modes', async () => {
    const t = await SshTransport.connect(host.target());
    try {
      const dir = `${host.dir}/upload-test`;
      await t.exec(`mkdir -p ${dir}`);
      await t.putFiles([
        { path: `${dir}/key.pem`, content: 'secret\n', mode: 0o600 },
        { path: `${dir}/site.conf`, content: 'x'.repeat(200_000), mode: 0o644 },
        { path: `${dir}/empty`, content: '', mode: 0o640 },
      ]);
      expect(statSync(`${dir}/key.pem`).mode & 0o777).toBe(0o600);
      expect(statSync(`${dir}/site.conf`).size).toBe(200_000);
      expect(statSync(`${dir}/site.conf`).mode & 0o777).toBe(0o644);
      expect(statSync(`${dir}/empty`).mode & 0o777).toBe(0o640);
      expect(t.stats.uploadedFiles).toBe(3);
    } finally {
      t.close();
    }
  });

  it('fails fast with HOST_UNREACHABLE when nothing listens', async () => {
    const started = Date.now();
    const code = await codeOf(
      SshTransport.connect(host.target({ host: spare.address, port: await spare.freePort() })),
    );
    expect(code).toBe('HOST_UNREACHABLE');
    expect(Date.now() - started).toBeLessThan(1_000);
  });

  it('gives up with SSH_TIMEOUT on a host that accepts TCP but never speaks SSH', async () => {
    const sockets: Socket[] = [];
    const silent: Server = createServer((s) => sockets.push(s));
    const port = await spare.freePort();
    await new Promise<void>((r) => silent.listen(port, spare.address, r));
    try {
      const started = Date.now();
      const code = await codeOf(
        SshTransport.connect(host.target({ host: spare.address, port, connectTimeoutMs: 800 })),
      );
      expect(code).toBe('SSH_TIMEOUT');
      expect(Date.now() - started).toBeLessThan(3_000);
    } finally {
      for (const s of sockets) s.destroy();
      await new Promise((r) => silent.close(r));
    }
  });

  it('rejects an unknown client key with AUTH_REJECTED', async () => {
    const stranger = SshHost.generateKey();
    const code = await codeOf(SshTransport.connect(host.target({ privateKey: stranger.privateKey })));
    expect(code).toBe('AUTH_REJECTED');
  });

  it('reports an unparseable private key as AUTH_REJECTED without echoing it', async () => {
    const bogus = '-----BEGIN OPENSSH PRIVATE KEY-----\nbm90IGEga2V5\n-----END OPENSSH PRIVATE KEY-----\n';
    const error = await SshTransport.connect(host.target({ privateKey: bogus })).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(DeployError);
    expect((error as DeployError).code).toBe('AUTH_REJECTED');
    expect((error as DeployError).message).not.toContain('bm90IGEga2V5');
  });

  it('bounds a command with SSH_TIMEOUT', async () => {
    const t = await SshTransport.connect(host.target());
    try {
      expect(await codeOf(t.exec('sleep 5', { timeoutMs: 300 }))).toBe('SSH_TIMEOUT');
      // The connection stays usable for the next command.
      expect((await t.exec('echo ok')).stdout).toBe('ok\n');
    } finally {
      t.close();
    }
  });

  it('refuses a changed host key with HOST_KEY_CHANGED until the new key is pinned', async () => {
    const pinned = host.hostKeyFingerprint;
    const rotated = await host.rotateHostKey();
    expect(rotated).not.toBe(pinned);
    const error = await SshTransport.connect(host.target({ hostKeyFingerprint: pinned })).catch(
      (e: unknown) => e,
    );
    expect(error).toBeInstanceOf(DeployError);
    expect((error as DeployError).code).toBe('HOST_KEY_CHANGED');
    expect((error as DeployError).details).toEqual({ expected: pinned, actual: rotated });
    const accepted = await SshTransport.connect(host.target({ hostKeyFingerprint: rotated }));
    accepted.close();
  });
});
