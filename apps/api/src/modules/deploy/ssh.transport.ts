import { createHash } from 'node:crypto';
import type { Duplex } from 'node:stream';
import { NodeSSH } from 'node-ssh';
import { DeployError } from './deploy.error.js';
import { SftpWriter, type UploadFile } from './sftp-writer.js';

export type { UploadFile };

import { shellArg } from './shell-arg.js';
import { withTimeout } from './with-timeout.js';

export interface SshTarget {
  host: string;
  port?: number;
  username?: string;
  /** OpenSSH or PEM private key. Held in a private field, never logged or serialized. */
  privateKey: string;
  passphrase?: string;
  /** Pinned fingerprint (`SHA256:…`); absent on first contact, when the presented key is accepted. */
  hostKeyFingerprint?: string | null;
  /** Run every command through `sudo -n` (and install uploads through it). */
  useSudo?: boolean;
  /** TCP connect + handshake + authentication. Default 10 s. */
  connectTimeoutMs?: number;
  /** Default bound for one remote command. Default 60 s. */
  commandTimeoutMs?: number;
}

export interface ExecResult {
  code: number;
  stdout: string;
  stderr: string;
}

export interface ExecOptions {
  stdin?: string;
  timeoutMs?: number;
  /** Overrides the target's useSudo for this command (reading the user's own temp dir needs no sudo). */
  sudo?: boolean;
}

/** What this connection has done, so callers (tests, benchmarks) can prove a no-op was a no-op. */
export interface TransportStats {
  commands: number;
  uploadedFiles: number;
  uploadedBytes: number;
}

interface Ssh2Error extends Error {
  level?: string;
  code?: string;
}

const UNREACHABLE = new Set([
  'ECONNREFUSED',
  'EHOSTUNREACH',
  'ENETUNREACH',
  'ENOTFOUND',
  'EAI_AGAIN',
  'ECONNRESET',
]);

/** OpenSSH's fingerprint format (`ssh-keygen -l`): SHA256 of the key blob, unpadded base64. */
export function sshFingerprint(keyBlob: Buffer): string {
  return `SHA256:${createHash('sha256').update(keyBlob).digest('base64').replace(/=+$/, '')}`;
}

/**
 * One authenticated SSH connection to an agent host. Host keys are pinned: the first contact
 * reports the presented fingerprint for the caller to store; afterwards any other key is refused
 * before authentication, so a private key is never offered to an impostor.
 */
export class SshTransport {
  readonly stats: TransportStats = { commands: 0, uploadedFiles: 0, uploadedBytes: 0 };
  #connectionError: Ssh2Error | null = null;
  // A true private field: ssh2 keeps the parsed private key in its config, and util.inspect or
  // JSON.stringify of a transport must never reach it.
  readonly #ssh: NodeSSH;

  private constructor(
    ssh: NodeSSH,
    readonly host: string,
    /** Fingerprint the host presented on this connection. */
    readonly hostKeyFingerprint: string,
    /** True when no fingerprint was pinned: the caller should store hostKeyFingerprint. */
    readonly firstContact: boolean,
    private readonly useSudo: boolean,
    private readonly commandTimeoutMs: number,
  ) {
    this.#ssh = ssh;
    // Commands are small request/response exchanges: Nagle's algorithm against delayed ACKs
    // would add ~40 ms to many of them.
    ssh.connection?.setNoDelay(true);
    // node-ssh stops listening for errors once connected; without a listener a later socket
    // error (host rebooted mid-deploy) would crash the process instead of failing one command.
    ssh.connection?.on('error', (error: Ssh2Error) => {
      this.#connectionError = error;
    });
  }

  static async connect(target: SshTarget): Promise<SshTransport> {
    const ssh = new NodeSSH();
    const pinned = target.hostKeyFingerprint ?? null;
    let presented: string | null = null;
    const connectTimeoutMs = target.connectTimeoutMs ?? 10_000;
    try {
      // readyTimeout bounds the handshake; the outer timer also covers a TCP connect that hangs.
      await withTimeout(
        ssh.connect({
          host: target.host,
          port: target.port ?? 22,
          username: target.username ?? 'root',
          privateKey: target.privateKey,
          passphrase: target.passphrase,
          readyTimeout: connectTimeoutMs,
          keepaliveInterval: 15_000,
          hostVerifier: (key: Buffer) => {
            presented = sshFingerprint(key);
            return pinned === null || presented === pinned;
          },
        }),
        connectTimeoutMs + 1_000,
        () => ssh.dispose(),
      );
    } catch (error) {
      ssh.dispose();
      throw SshTransport.classify(error, target, pinned, presented);
    }
    if (presented === null) throw new DeployError('SSH_FAILED', `${target.host}: no host key was presented`);
    return new SshTransport(
      ssh,
      target.host,
      presented,
      pinned === null,
      target.useSudo ?? false,
      target.commandTimeoutMs ?? 60_000,
    );
  }

  private static classify(
    error: unknown,
    target: SshTarget,
    pinned: string | null,
    presented: string | null,
  ): DeployError {
    if (error instanceof DeployError) return error;
    const where = `${target.host}:${target.port ?? 22}`;
    if (pinned !== null && presented !== null && presented !== pinned) {
      return new DeployError(
        'HOST_KEY_CHANGED',
        `${where} presented host key ${presented}, but ${pinned} is pinned; an admin must accept the new key`,
        { expected: pinned, actual: presented },
      );
    }
    const e = error as Ssh2Error;
    const message = e?.message ?? String(error);
    if (e?.level === 'client-authentication') {
      return new DeployError(
        'AUTH_REJECTED',
        `${where} rejected the private key for ${target.username ?? 'root'}`,
      );
    }
    if (/privateKey|private key|passphrase/i.test(message)) {
      // ssh2 complains before connecting when the key does not parse; its message has no key material.
      return new DeployError('AUTH_REJECTED', `${where}: the private key could not be used (${message})`);
    }
    if (e?.level === 'client-timeout' || e?.code === 'SSH_TIMEOUT') {
      return new DeployError('SSH_TIMEOUT', `${where} did not complete the SSH handshake in time`);
    }
    if (e?.code && UNREACHABLE.has(e.code)) {
      return new DeployError('HOST_UNREACHABLE', `${where} is unreachable (${e.code})`, { cause: e.code });
    }
    return new DeployError('SSH_FAILED', `${where}: ${message}`);
  }

  /** Runs one command through the login shell; a non-zero exit is a result, not an error. */
  async exec(command: string, options: ExecOptions = {}): Promise<ExecResult> {
    const sudo = options.sudo ?? this.useSudo;
    const full = sudo ? `sudo -n sh -c ${shellArg(command)}` : command;
    this.assertAlive();
    this.stats.commands++;
    let channel: { close(): void; signal?(name: string): void } | undefined;
    const run = this.#ssh
      .execCommand(full, {
        stdin: options.stdin,
        noTrim: true,
        onChannel: (c) => {
          channel = c;
        },
      })
      .catch((error: unknown) => {
        throw this.channelError(error, 'command');
      });
    const timeoutMs = options.timeoutMs ?? this.commandTimeoutMs;
    // OpenSSH honours the signal request, so a hung command dies instead of lingering on the host.
    const abort = () => {
      channel?.signal?.('KILL');
      channel?.close();
    };
    const result = await withTimeout(run, timeoutMs, abort).catch((error: unknown) => {
      if ((error as Ssh2Error).code === 'SSH_TIMEOUT') {
        throw new DeployError('SSH_TIMEOUT', `${this.host}: command did not finish within ${timeoutMs} ms`, {
          command: firstLine(command),
        });
      }
      throw error;
    });
    if (
      sudo &&
      result.code !== 0 &&
      /^sudo: /m.test(result.stderr) &&
      /password|sudoers/.test(result.stderr)
    ) {
      throw new DeployError('SUDO_REJECTED', `${this.host}: sudo -n refused: ${result.stderr.trim()}`);
    }
    return { code: result.code ?? 255, stdout: result.stdout, stderr: result.stderr };
  }

  /**
   * Writes files over SFTP with exact modes (set on create and again by fchmod, because the
   * server's umask would otherwise decide). With sudo the SSH user cannot write root-owned
   * directories, so files go to a private temp dir first and `install` puts them in place.
   */
  async putFiles(files: UploadFile[], concurrency = 8): Promise<void> {
    if (files.length === 0) return;
    if (!this.useSudo) {
      await this.writeAll(files, concurrency);
      return;
    }
    const made = await this.exec('mktemp -d', { sudo: false });
    const tmp = made.stdout.trim();
    if (made.code !== 0 || !tmp.startsWith('/')) {
      throw new DeployError('SSH_FAILED', `${this.host}: mktemp failed: ${made.stderr.trim()}`);
    }
    try {
      await this.writeAll(
        files.map((f, i) => ({ ...f, path: `${tmp}/${i}` })),
        concurrency,
      );
      const install = files
        .map((f, i) => `install -m ${octal(f.mode)} -o 0 -g 0 ${tmp}/${i} ${shellArg(f.path)}`)
        .join(' && ');
      const done = await this.exec(install, { sudo: true });
      if (done.code !== 0)
        throw new DeployError('SSH_FAILED', `${this.host}: install failed: ${done.stderr.trim()}`);
    } finally {
      await this.exec(`rm -rf ${shellArg(tmp)}`, { sudo: false }).catch(() => undefined);
    }
  }

  /** A TCP stream opened by the host itself (direct-tcpip), to test its own listeners. */
  async openTcp(address: string, port: number): Promise<Duplex> {
    this.assertAlive();
    try {
      return (await this.#ssh.forwardOut('127.0.0.1', 0, address, port)) as unknown as Duplex;
    } catch (error) {
      throw this.channelError(error, `connection to ${address}:${port}`);
    }
  }

  /** Still connected: a kept-open session (health probes) is reused only while this holds. */
  get alive(): boolean {
    return !this.#connectionError && this.#ssh.isConnected();
  }

  close(): void {
    this.#ssh.dispose();
  }

  toJSON(): Record<string, unknown> {
    return { host: this.host, hostKeyFingerprint: this.hostKeyFingerprint, stats: this.stats };
  }

  private async writeAll(files: UploadFile[], concurrency: number): Promise<void> {
    const sftp = await this.#ssh.requestSFTP().catch((error: unknown) => {
      throw this.channelError(error, 'SFTP');
    });
    const written = await new SftpWriter(sftp, this.host).writeAll(files, concurrency, this.commandTimeoutMs);
    this.stats.uploadedFiles += written.files;
    this.stats.uploadedBytes += written.bytes;
  }

  private assertAlive(): void {
    if (this.#connectionError || !this.#ssh.isConnected()) {
      const reason = this.#connectionError?.message ?? 'connection closed';
      throw new DeployError('SSH_FAILED', `${this.host}: SSH connection lost (${reason})`);
    }
  }

  private channelError(error: unknown, what: string): DeployError {
    if (error instanceof DeployError) return error;
    return new DeployError(
      'SSH_FAILED',
      `${this.host}: ${what} failed: ${(error as Error)?.message ?? error}`,
    );
  }
}

function octal(mode: number): string {
  return (mode & 0o7777).toString(8).padStart(4, '0');
}

function firstLine(command: string): string {
  return command.split('\n', 1)[0]!.slice(0, 200);
}
