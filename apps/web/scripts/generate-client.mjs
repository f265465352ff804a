// Regenerates the dashboard's typed API client from the API's own OpenAPI document:
// starts the built API (apps/api/dist/main.js) on the embedded database in a throwaway data
// directory, fetches /api/openapi.json, writes src/api/openapi.json and runs openapi-typescript
// to produce src/api/schema.d.ts. Run `npx nx run api:build` first if the API changed.
import { execFileSync, spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = fileURLToPath(new URL('../../../', import.meta.url));
const apiDir = join(root, 'apps/web/src/api');
// npm may hoist openapi-typescript or keep it under apps/web: resolve it from the web package.
const require = createRequire(join(root, 'apps/web/package.json'));

const port = await new Promise((resolve) => {
  const server = createServer().listen(0, '127.0.0.1', () => {
    const { port } = server.address();
    server.close(() => resolve(port));
  });
});
const dataDir = mkdtempSync(join(tmpdir(), 'portico-openapi-'));
const child = spawn(process.execPath, [join(root, 'apps/api/dist/main.js')], {
  cwd: root,
  env: {
    PATH: process.env.PATH,
    HOME: process.env.HOME,
    NODE_ENV: 'production',
    HOST: '127.0.0.1',
    PORT: String(port),
    PORTICO_DATA_DIR: dataDir,
    PORTICO_SECRET_KEY: randomBytes(32).toString('hex'),
    LOG_LEVEL: 'warn',
  },
  stdio: ['ignore', 'ignore', 'inherit'],
});

try {
  const deadline = Date.now() + 60_000;
  let doc;
  while (!doc) {
    if (child.exitCode !== null) throw new Error(`the API exited with ${child.exitCode}`);
    if (Date.now() > deadline) throw new Error('the API did not answer within 60 s');
    const res = await fetch(`http://127.0.0.1:${port}/api/openapi.json`).catch(() => null);
    if (res?.ok) doc = await res.json();
    else await new Promise((r) => setTimeout(r, 200));
  }
  writeFileSync(join(apiDir, 'openapi.json'), `${JSON.stringify(doc, null, 2)}\n`);
  execFileSync(
    process.execPath,
    [
      join(dirname(require.resolve('openapi-typescript/package.json')), 'bin/cli.js'),
      join(apiDir, 'openapi.json'),
      '-o',
      join(apiDir, 'schema.d.ts'),
    ],
    { stdio: 'inherit' },
  );
  // Formatted the way `biome check` wants, so a regeneration without API changes is a no-op.
  execFileSync(
    process.execPath,
    [
      join(root, 'node_modules/@biomejs/biome/bin/biome'),
      'format',
      '--write',
      join(apiDir, 'openapi.json'),
      join(apiDir, 'schema.d.ts'),
    ],
    { stdio: 'ignore' },
  );
  console.log(`openapi: ${Object.keys(doc.paths).length} paths → apps/web/src/api/schema.d.ts`);
} finally {
  child.kill('SIGTERM');
  await new Promise((r) => child.once('exit', r));
  rmSync(dataDir, { recursive: true, force: true });
}
