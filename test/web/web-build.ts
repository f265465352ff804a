import { execFile } from 'node:child_process';
import { mkdir, readdir, rmdir, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { REPO_ROOT } from '../support/built-app.js';

const WEB = join(REPO_ROOT, 'apps/web');
const LOCK_DIR = join(WEB, '.build-lock');

async function newest(dir: string): Promise<number> {
  let latest = 0;
  for (const entry of await readdir(dir, { withFileTypes: true })) {
    const path = join(dir, entry.name);
    latest = Math.max(latest, entry.isDirectory() ? await newest(path) : (await stat(path)).mtimeMs);
  }
  return latest;
}

async function isFresh(): Promise<boolean> {
  const built = await stat(join(WEB, 'dist/assets')).catch(() => null);
  return (
    built !== null &&
    built.mtimeMs >= Math.max(await newest(join(WEB, 'src')), (await stat(join(WEB, 'index.html'))).mtimeMs)
  );
}

/**
 * The browser tests need the built dashboard. `nx run web:build` makes it; when Jest runs alone it
 * is built here if missing or older than a source file (one worker builds, others wait).
 */
export async function ensureWebBuilt(): Promise<void> {
  if (await isFresh()) return;
  const deadline = Date.now() + 120_000;
  for (;;) {
    try {
      await mkdir(LOCK_DIR);
      break;
    } catch {
      if (Date.now() > deadline) throw new Error(`${LOCK_DIR} is held too long; remove it if no build runs`);
      await new Promise((r) => setTimeout(r, 250));
    }
  }
  try {
    if (!(await isFresh()))
      await promisify(execFile)(process.execPath, ['node_modules/vite/bin/vite.js', 'build', 'apps/web'], {
        cwd: REPO_ROOT,
        // Jest sets NODE_ENV=test, which Vite honours: React's development build would be what
        // the browser tests drive (and time), not the one `npm start` serves.
        env: { ...process.env, NODE_ENV: 'production' },
        maxBuffer: 16 * 1024 * 1024,
      });
  } finally {
    await rmdir(LOCK_DIR);
  }
}
