import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { existsSync, mkdtempSync, readFileSync, renameSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it, jest } from '@jest/globals';
import pg from 'pg';
import { SEALED_COLUMNS } from '../../apps/api/src/common/secrets/sealed-columns.js';
import { agentDocFor } from '../fixtures/fleet-agent.js';
import { SshHost } from '../fixtures/ssh-host.js';
import { ensureBuilt, REPO_ROOT } from '../support/built-app.js';
import { type AppEnv, runAppToExit, TestApp } from '../support/test-app.js';
import { TestDatabase } from '../support/test-database.js';

// The master key fails closed: the database records a check value on first start, a start with
// a missing or different key is refused (EX_CONFIG) with the key to restore and without touching
// anything, and `rotate-key` re-seals every secret so that a real sshd host still answers.
jest.setTimeout(240_000);

let db: TestDatabase;
let host: SshHost;
let dataDir: string;
let agentId: string;
const keyFile = () => join(dataDir, 'secret.key');
/** The key-file setup: no PORTICO_SECRET_KEY, the key lives in DATA_DIR/secret.key. */
const env = (): AppEnv => ({
  DATABASE_URL: db.url,
  PORTICO_DATA_DIR: dataDir,
  PORTICO_SECRET_KEY: undefined,
  HEALTH_ENABLED: 'false',
});

/** Every sealed value and the check row, to prove a refused start changed nothing. */
async function sealedState(): Promise<string> {
  const client = new pg.Client({ connectionString: db.url });
  await client.connect();
  try {
    const out: Record<string, unknown> = {};
    for (const { table, column } of SEALED_COLUMNS) {
      const rows = await client.query(`SELECT "${column}" AS v FROM "${table}" ORDER BY 1`);
      out[`${table}.${column}`] = rows.rows.map((r) => r.v);
    }
    out.check = (await client.query('SELECT * FROM "MasterKeyCheck"')).rows;
    out.migrations = (await client.query('SELECT count(*)::int AS n FROM _prisma_migrations')).rows;
    return JSON.stringify(out);
  } finally {
    await client.end();
  }
}

async function rotateKey(
  extra: AppEnv = {},
): Promise<{ code: number | null; stdout: string; stderr: string }> {
  const main = await ensureBuilt();
  const merged = { PATH: process.env.PATH, HOME: process.env.HOME, ...env(), ...extra };
  const child = spawn(process.execPath, [main, 'rotate-key'], {
    cwd: REPO_ROOT,
    env: Object.fromEntries(Object.entries(merged).filter(([, v]) => v !== undefined)) as NodeJS.ProcessEnv,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (d: Buffer) => {
    stdout += d.toString();
  });
  child.stderr.on('data', (d: Buffer) => {
    stderr += d.toString();
  });
  const code = await new Promise<number | null>((resolve) => child.once('exit', resolve));
  return { code, stdout, stderr };
}

async function agentTestPasses(): Promise<void> {
  const app = await TestApp.start({ databaseUrl: db.url, dataDir, env: env(), timeoutMs: 90_000 });
  try {
    const api = await app.admin();
    const test = await api.post(`/api/v1/agents/${agentId}/test`);
    expect(test.status).toBe(200);
    expect(test.body.ok).toBe(true);
  } finally {
    await app.stop();
  }
}

beforeAll(async () => {
  host = await SshHost.start({ flavor: 'nginx' });
  db = await TestDatabase.create('master_key');
  dataDir = mkdtempSync(join(tmpdir(), 'portico-key-'));
  const app = await TestApp.start({ databaseUrl: db.url, dataDir, env: env(), timeoutMs: 90_000 });
  try {
    const api = await app.admin();
    const created = await api.post('/api/v1/agents', agentDocFor(host));
    expect(created.status).toBe(201);
    agentId = created.body.id;
    expect((await api.post(`/api/v1/agents/${agentId}/test`)).status).toBe(200);
    // A second kind of sealed secret, so rotation is seen to cover more than one table.
    const provider = await api.post('/api/v1/dns-providers', {
      name: 'bind',
      kind: 'rfc2136',
      zone: 'key.test',
      server: '127.0.0.1',
      port: 53,
      tsigKeyName: 'portico',
      tsigSecret: randomBytes(32).toString('base64'),
    });
    expect(provider.status).toBe(201);
  } finally {
    await app.stop();
  }
});

afterAll(async () => {
  await db?.drop();
  await host?.stop();
  if (dataDir) rmSync(dataDir, { recursive: true, force: true });
});

describe('master key', () => {
  it('records a check value on first start', async () => {
    const state = JSON.parse(await sealedState());
    expect(state.check).toHaveLength(1);
    expect(state.check[0].keyId).toMatch(/^[0-9a-f]{16}$/);
    expect(state['Agent.sshKeyEncrypted']).toHaveLength(1);
  });

  it('refuses to start without the key, names the key to restore and creates no new one', async () => {
    const before = await sealedState();
    const { keyId } = JSON.parse(before).check[0];
    renameSync(keyFile(), `${keyFile()}.away`);
    try {
      const { code, stderr } = await runAppToExit({ ...env(), PORT: '0', HOST: '127.0.0.1' }, 60_000);
      expect(code).toBe(78);
      expect(stderr).toContain('Portico cannot start.');
      expect(stderr).toMatch(/master key is missing/);
      expect(stderr).toContain(keyFile());
      expect(stderr).toContain(`key id ${keyId}`);
      expect(stderr).toMatch(/Restore that key file/);
      expect(existsSync(keyFile())).toBe(false);
      expect(await sealedState()).toBe(before);
    } finally {
      renameSync(`${keyFile()}.away`, keyFile());
    }
  });

  it('refuses to start with a wrong key and changes nothing', async () => {
    const before = await sealedState();
    const { code, stderr } = await runAppToExit(
      { ...env(), PORT: '0', HOST: '127.0.0.1', PORTICO_SECRET_KEY: randomBytes(32).toString('hex') },
      60_000,
    );
    expect(code).toBe(78);
    expect(stderr).toMatch(/The master key from PORTICO_SECRET_KEY \(key id [0-9a-f]{16}\) is not the key/);
    expect(stderr).toContain(`key id ${JSON.parse(before).check[0].keyId}`);
    expect(await sealedState()).toBe(before);
  });

  it('rotate-key re-seals every secret in one go; the agent test still passes on the real host', async () => {
    const before = JSON.parse(await sealedState());
    const oldKey = readFileSync(keyFile(), 'utf8');
    const { code, stdout, stderr } = await rotateKey();
    expect({ code, stderr }).toMatchObject({ code: 0 });
    expect(stdout).toMatch(/Re-sealed \d+ secrets under the new master key \(key id [0-9a-f]{16}\)/);
    expect(stdout + stderr).not.toContain(oldKey.trim());
    const after = JSON.parse(await sealedState());
    expect(readFileSync(keyFile(), 'utf8')).not.toBe(oldKey);
    expect(after.check[0].keyId).not.toBe(before.check[0].keyId);
    for (const { table, column } of SEALED_COLUMNS) {
      const key = `${table}.${column}`;
      expect(after[key]).toHaveLength(before[key].length);
      for (const value of after[key]) expect(before[key]).not.toContain(value);
    }
    expect(after['DnsProvider.tsigSecretEncrypted']).toHaveLength(1);
    await agentTestPasses();

    // The old key is now the wrong key.
    const refused = await runAppToExit(
      {
        ...env(),
        PORT: '0',
        HOST: '127.0.0.1',
        PORTICO_SECRET_KEY: oldKey.trim(),
      },
      60_000,
    );
    expect(refused.code).toBe(78);
  });

  it('rotates to a given key when the key comes from PORTICO_SECRET_KEY', async () => {
    const current = readFileSync(keyFile(), 'utf8').trim();
    const next = randomBytes(32).toString('hex');
    const withoutNew = await rotateKey({ PORTICO_SECRET_KEY: current });
    expect(withoutNew.code).toBe(78);
    expect(withoutNew.stderr).toMatch(/set PORTICO_NEW_SECRET_KEY/);
    const rotated = await rotateKey({ PORTICO_SECRET_KEY: current, PORTICO_NEW_SECRET_KEY: next });
    expect(rotated.code).toBe(0);
    expect(rotated.stdout).not.toContain(next);
    rmSync(keyFile());
    const app = await TestApp.start({
      databaseUrl: db.url,
      dataDir,
      env: { ...env(), PORTICO_SECRET_KEY: next },
      timeoutMs: 90_000,
    });
    try {
      const test = await (await app.admin()).post(`/api/v1/agents/${agentId}/test`);
      expect(test.body.ok).toBe(true);
    } finally {
      await app.stop();
    }
  });
});
