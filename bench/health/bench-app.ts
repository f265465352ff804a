import { type ChildProcess, spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { freePort } from '../../test/fixtures/ports.js';
import { ensureBuilt, REPO_ROOT } from '../../test/support/built-app.js';

/** The built API as its own process (what operators run), for CPU/RSS from /proc. */
export async function startApi(
  databaseUrl: string,
  env: Record<string, string>,
): Promise<{ child: ChildProcess; baseUrl: string }> {
  const main = await ensureBuilt();
  const port = await freePort();
  const dataDir = await mkdtemp(join(tmpdir(), 'portico-bench-'));
  const child = spawn(process.execPath, [main], {
    cwd: REPO_ROOT,
    stdio: ['ignore', 'ignore', 'inherit'],
    env: {
      PATH: process.env.PATH,
      HOME: process.env.HOME,
      NODE_ENV: 'production',
      HOST: '127.0.0.1',
      PORT: String(port),
      DATABASE_URL: databaseUrl,
      PORTICO_DATA_DIR: dataDir,
      PORTICO_WEB_DIR: dataDir,
      PORTICO_SECRET_KEY: randomBytes(32).toString('hex'),
      PORTICO_ADMIN_EMAIL: 'bench@portico.test',
      PORTICO_ADMIN_PASSWORD: 'bench-admin-password-123',
      LOG_LEVEL: 'warn',
      // V8 sizes its heap to the machine, not to need: capped, the API stays well under 300 MiB
      // at 10,000 checks for a few CPU points more (bench/README.md has both runs).
      NODE_OPTIONS: process.env.BENCH_NODE_OPTIONS ?? '--max-old-space-size=128 --max-semi-space-size=2',
      ...env,
    },
  });
  const baseUrl = `http://127.0.0.1:${port}`;
  for (let i = 0; ; i++) {
    const ok = await fetch(`${baseUrl}/healthz`).then(
      (r) => r.ok,
      () => false,
    );
    if (ok) break;
    if (i > 300 || child.exitCode !== null) throw new Error('the API did not start');
    await new Promise((r) => setTimeout(r, 100));
  }
  return { child, baseUrl };
}

export async function login(baseUrl: string): Promise<string> {
  const res = await fetch(`${baseUrl}/api/v1/auth/login`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ email: 'bench@portico.test', password: 'bench-admin-password-123' }),
  });
  const cookie = res.headers.getSetCookie().find((c) => c.startsWith('portico_session='));
  if (!cookie) throw new Error(`login failed: ${res.status}`);
  return cookie.split(';')[0]!;
}

/** utime + stime of a process in seconds (Linux /proc). */
export function cpuSeconds(pid: number): number {
  const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]!.split(' ');
  return (Number(fields[11]) + Number(fields[12])) / 100;
}

export function rssMiB(pid: number): number {
  const line = readFileSync(`/proc/${pid}/status`, 'utf8').match(/VmRSS:\s+(\d+) kB/);
  return Number(line?.[1] ?? 0) / 1024;
}
