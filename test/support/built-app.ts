import { execFile } from 'node:child_process';
import { mkdir, readdir, readFile, rmdir, stat, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';

export const REPO_ROOT = fileURLToPath(new URL('../../', import.meta.url));
export const MAIN_JS = join(REPO_ROOT, 'apps/api/dist/main.js');
const SRC_DIR = join(REPO_ROOT, 'apps/api/src');
const LOCK_DIR = join(REPO_ROOT, 'apps/api/dist/.build-lock');
/** When the build that produced dist started: a source saved after that may be missing from it. */
const STAMP = join(REPO_ROOT, 'apps/api/dist/.build-started');

async function newestSourceMtime(dir: string): Promise<number> {
  let newest = 0;
  for (const entry of await readdir(dir, { withFileTypes: true })) {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) newest = Math.max(newest, await newestSourceMtime(path));
    else if (entry.name.endsWith('.ts') && !entry.name.endsWith('.spec.ts'))
      newest = Math.max(newest, (await stat(path)).mtimeMs);
  }
  return newest;
}

/** A build we did not time (nx, a person running tsc) is taken to have started this long before it ended. */
const FOREIGN_BUILD_MS = 30_000;

async function isFresh(): Promise<boolean> {
  const built = await stat(MAIN_JS).catch(() => null);
  if (!built) return false;
  const stamp = Number(await readFile(STAMP, 'utf8').catch(() => '0'));
  const started = Math.max(stamp, built.mtimeMs - FOREIGN_BUILD_MS);
  return started >= (await newestSourceMtime(SRC_DIR));
}

/**
 * The end-to-end tests run the built app (`node apps/api/dist/main.js`), exactly what
 * `npm start` runs. Nx builds it before `test`; when run directly, Jest builds it here if
 * dist is missing or older than a source file. Workers take a directory lock so only one
 * compiles.
 */
export async function ensureBuilt(): Promise<string> {
  if (await isFresh()) return MAIN_JS;
  const deadline = Date.now() + 180_000;
  await mkdir(join(LOCK_DIR, '..'), { recursive: true });
  for (;;) {
    try {
      await mkdir(LOCK_DIR);
      break;
    } catch {
      // A lock older than any build is left over from a killed run.
      const held = await stat(LOCK_DIR).catch(() => null);
      if (held && Date.now() - held.mtimeMs > 120_000) await rmdir(LOCK_DIR).catch(() => undefined);
      if (Date.now() > deadline) throw new Error(`${LOCK_DIR} is held too long; remove it if no build runs`);
      await new Promise((r) => setTimeout(r, 250));
    }
  }
  try {
    if (!(await isFresh())) {
      const started = Date.now();
      const tsc = ['node_modules/typescript/bin/tsc', '-p', 'apps/api/tsconfig.json'];
      await promisify(execFile)(process.execPath, tsc, { cwd: REPO_ROOT, maxBuffer: 16 * 1024 * 1024 }).catch(
        async (error: { stdout?: string }) => {
          // tsc still emits on type errors (the typecheck target reports those); only a build
          // that produced nothing is fatal here.
          const emitted = await stat(MAIN_JS).catch(() => null);
          if (!emitted || emitted.mtimeMs < started) {
            throw new Error(`building the API failed:\n${error.stdout ?? String(error)}`);
          }
          process.stderr.write(`warning: the API built with type errors:\n${error.stdout ?? ''}\n`);
        },
      );
      await writeFile(STAMP, String(started));
    }
  } finally {
    await rmdir(LOCK_DIR);
  }
  return MAIN_JS;
}
