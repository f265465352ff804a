import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { delimiter, join } from 'node:path';
import { promisify } from 'node:util';

// testssl.sh (Debian installs it as `testssl`) gives the protocol and cipher summary a person
// would ask for; Node's handshakes stay the verdict, so the doctor works without it.

export interface TestsslSummary {
  protocols: Record<string, string>;
  negotiated: { protocol: string | null; cipher: string | null };
  /** Findings testssl rates MEDIUM or worse, by id. */
  concerns: Record<string, string>;
  scanSeconds: number;
}

let located: string | null | undefined;

export function testsslBinary(): string | null {
  if (located !== undefined) return located;
  const dirs = (process.env.PATH ?? '').split(delimiter).filter(Boolean);
  located = null;
  for (const name of ['testssl', 'testssl.sh']) {
    const hit = dirs.map((d) => join(d, name)).find((p) => existsSync(p));
    if (hit) {
      located = hit;
      break;
    }
  }
  return located;
}

interface Finding {
  id: string;
  severity: string;
  finding: string;
}

const PROTOCOL_IDS = ['SSLv2', 'SSLv3', 'TLS1', 'TLS1_1', 'TLS1_2', 'TLS1_3'];

/** Protocols (-p) and server preferences (-P) of one listener, with SNI = host; null without testssl. */
export async function testsslScan(
  address: string,
  port: number,
  host: string,
  timeoutMs: number,
): Promise<TestsslSummary | null> {
  const bin = testsslBinary();
  if (!bin) return null;
  const dir = await mkdtemp(join(tmpdir(), 'portico-testssl-'));
  const json = join(dir, 'scan.json');
  try {
    await promisify(execFile)(
      bin,
      [
        '--quiet',
        '--color',
        '0',
        '--warnings',
        'off',
        '--nodns',
        'none',
        '--fast',
        '-p',
        '-P',
        '--ip',
        address,
        '--jsonfile',
        json,
        `${host}:${port}`,
      ],
      { timeout: timeoutMs, maxBuffer: 4 * 1024 * 1024 },
    );
    const findings = JSON.parse(await readFile(json, 'utf8')) as Finding[];
    const by = (id: string) => findings.find((f) => f.id === id)?.finding ?? null;
    const protocols: Record<string, string> = {};
    for (const id of PROTOCOL_IDS) {
      const f = by(id);
      if (f !== null) protocols[id] = f;
    }
    const concerns: Record<string, string> = {};
    for (const f of findings)
      if (['MEDIUM', 'HIGH', 'CRITICAL'].includes(f.severity)) concerns[f.id] = f.finding;
    return {
      protocols,
      negotiated: { protocol: by('protocol_negotiated'), cipher: by('cipher_negotiated') },
      concerns,
      scanSeconds: Number(by('scanTime') ?? 0),
    };
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

/** "offered", "offered with final", "not offered": only the first kind means the server speaks it. */
export function offeredLegacy(summary: TestsslSummary): string[] {
  return ['SSLv2', 'SSLv3', 'TLS1', 'TLS1_1'].filter((id) => /^offered/.test(summary.protocols[id] ?? ''));
}
