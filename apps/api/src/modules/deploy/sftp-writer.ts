import { DeployError } from './deploy.error.js';
import { withTimeout } from './with-timeout.js';

// ssh2's own typings are not installed, so node-ssh's SFTP handle is untyped: these are the few
// calls used here, written down so the compiler checks them.
type Callback<T = void> = (err: Error | null | undefined, value: T) => void;
interface SftpSession {
  open(path: string, flags: string, attrs: { mode: number }, cb: Callback<Buffer>): void;
  write(handle: Buffer, data: Buffer, offset: number, length: number, position: number, cb: Callback): void;
  fchmod(handle: Buffer, mode: number, cb: Callback): void;
  close(handle: Buffer, cb: Callback): void;
  end(): void;
}

export interface UploadFile {
  /** Absolute path on the host. Its directory must exist. */
  path: string;
  content: string | Buffer;
  mode: number;
}

/**
 * Writes in-memory files over one SFTP session, a few at a time. The mode is set on create and
 * again with fchmod, because the server's umask would otherwise have the last word (a private
 * key must end up 0600, a config 0644, whatever the host's defaults).
 */
export class SftpWriter {
  private readonly sftp: SftpSession;

  constructor(
    sftp: unknown,
    private readonly host: string,
  ) {
    this.sftp = sftp as SftpSession;
  }

  async writeAll(
    files: UploadFile[],
    concurrency: number,
    timeoutMs: number,
  ): Promise<{ files: number; bytes: number }> {
    const written = { files: 0, bytes: 0 };
    try {
      const queue = [...files];
      const worker = async () => {
        for (let f = queue.shift(); f; f = queue.shift()) {
          written.bytes += await this.writeOne(f);
          written.files++;
        }
      };
      await withTimeout(
        Promise.all(Array.from({ length: Math.min(concurrency, files.length) }, worker)),
        timeoutMs,
      ).catch((error: unknown) => {
        if ((error as { code?: string }).code === 'SSH_TIMEOUT') {
          throw new DeployError('SSH_TIMEOUT', `${this.host}: upload did not finish in ${timeoutMs} ms`);
        }
        throw error;
      });
      return written;
    } finally {
      this.sftp.end();
    }
  }

  private async writeOne(file: UploadFile): Promise<number> {
    const data = typeof file.content === 'string' ? Buffer.from(file.content) : file.content;
    const call = <T>(fn: (cb: Callback<T>) => void, what: string) =>
      new Promise<T>((resolve, reject) =>
        fn((err, value) =>
          err
            ? reject(new DeployError('SSH_FAILED', `${this.host}: SFTP ${what} ${file.path}: ${err.message}`))
            : resolve(value),
        ),
      );
    const sftp = this.sftp;
    const handle = await call<Buffer>((cb) => sftp.open(file.path, 'w', { mode: file.mode }, cb), 'open');
    try {
      if (data.length > 0) await call((cb) => sftp.write(handle, data, 0, data.length, 0, cb), 'write');
      await call((cb) => sftp.fchmod(handle, file.mode, cb), 'chmod');
    } finally {
      await call((cb) => sftp.close(handle, cb), 'close');
    }
    return data.length;
  }
}
