import { randomBytes } from 'node:crypto';
import type { Duplex } from 'node:stream';
import { AgentWebroot, CHALLENGE_DIR } from '../agent-hosts/agent-webroot.js';
import type { HostSettings } from '../deploy/host-settings.js';
import type { SshTransport } from '../deploy/ssh.transport.js';
import { reason } from '../health/http-request.js';
import type { UpstreamSpec } from '../render/fleet-state.js';
import { check, type DoctorCheck } from './doctor-codes.js';
import type { DoctorAgent, DoctorContext } from './doctor-context.js';
import { ask } from './doctor-http.js';
import { otherDockerPort } from './intent.checks.js';

// Checks that need the agent's host: run over the one SSH connection the service opened.

const on = (agent: DoctorAgent, subject: string, c: DoctorCheck): DoctorCheck => ({
  ...c,
  agentId: agent.spec.id,
  agentName: agent.spec.name,
  subject,
});

/** The guide's `curl http://host.docker.internal:11434/api/tags` from the host: each target answers. */
export async function upstreamChecks(
  ctx: DoctorContext,
  agent: DoctorAgent,
  ssh: SshTransport,
  timeoutMs: number,
): Promise<DoctorCheck[]> {
  const checks: DoctorCheck[] = [];
  for (const upstream of ctx.upstreams.values()) {
    const path = upstream.kind === 'ollama' ? '/api/tags' : '/';
    for (const t of upstream.targets) {
      const target = `${t.scheme}://${t.host}:${t.port}`;
      try {
        const status = await statusFromHost(
          ssh,
          t.host,
          t.port,
          t.scheme === 'https' ? null : path,
          timeoutMs,
        );
        const evidence = { upstream: upstream.name, target, path, status };
        checks.push(
          on(
            agent,
            target,
            status === null || status < 500
              ? check(
                  'UPSTREAM_FROM_AGENT',
                  'pass',
                  status === null ? 'TCP connect works' : `HTTP ${status}`,
                  evidence,
                )
              : check(
                  'UPSTREAM_FROM_AGENT',
                  'fail',
                  `answers HTTP ${status}`,
                  evidence,
                  `the app at ${target} is failing; see its logs`,
                ),
          ),
        );
      } catch (error) {
        checks.push(...(await unreachableTarget(ctx, agent, ssh, upstream, t, error, timeoutMs)));
      }
    }
  }
  return checks;
}

/**
 * A target the agent cannot reach: UPSTREAM_FROM_AGENT fails. For Open WebUI the other port of
 * the Docker pair (3000 published, 8080 inside the container or on the host network) is tried
 * too: when that one answers, the upstream points at the wrong side of the mapping (DOCKER_PORT).
 */
async function unreachableTarget(
  ctx: DoctorContext,
  agent: DoctorAgent,
  ssh: SshTransport,
  upstream: UpstreamSpec,
  t: UpstreamSpec['targets'][number],
  error: unknown,
  timeoutMs: number,
): Promise<DoctorCheck[]> {
  const target = `${t.scheme}://${t.host}:${t.port}`;
  const path = upstream.kind === 'ollama' ? '/api/tags' : '/';
  const other = otherDockerPort(ctx, upstream, t.port);
  const status =
    other && t.scheme === 'http'
      ? await statusFromHost(ssh, t.host, other.port, '/', timeoutMs).catch(() => null)
      : null;
  const answering = other && status !== null ? other.port : null;
  const network = other?.service?.options.network ?? 'bridge';
  const hint =
    answering !== null
      ? ` Port ${answering} on ${t.host} answers instead: see DOCKER_PORT.`
      : other?.service && network === 'bridge' && t.port === 8080
        ? ` Docker publishes Open WebUI on ${other.port}, not 8080.`
        : '';
  const checks = [
    on(
      agent,
      target,
      check(
        'UPSTREAM_FROM_AGENT',
        'fail',
        `${agent.spec.name} cannot reach ${target}: ${reason(error)}`,
        { upstream: upstream.name, target, path, error: reason(error) },
        `start the app on ${t.host}:${t.port}, or point the upstream where it listens (from the proxy host, a container's localhost is not the host's).${hint}`,
      ),
    ),
  ];
  if (answering !== null)
    checks.push(
      on(
        agent,
        target,
        check(
          'DOCKER_PORT',
          'fail',
          `${target} does not answer from ${agent.spec.name}, but port ${answering} on ${t.host} does (HTTP ${status})`,
          {
            upstream: upstream.name,
            service: other?.service?.name ?? null,
            host: t.host,
            configured: t.port,
            answering,
            status,
          },
          `point the upstream at :${answering} (Docker publishes 3000→8080; host network serves 8080)${
            other?.service
              ? `, and set the service's network/hostPort to match in the same fleet document (POST /api/v1/apply): either change alone breaks the port rule`
              : ''
          }`,
        ),
      ),
    );
  return checks;
}

/** Opens host:port from the agent (direct-tcpip) and reads the status line of a GET, if a path is given. */
async function statusFromHost(
  ssh: SshTransport,
  host: string,
  port: number,
  path: string | null,
  timeoutMs: number,
): Promise<number | null> {
  const stream: Duplex = await withTimeout(ssh.openTcp(host, port), timeoutMs);
  if (path === null) {
    stream.destroy();
    return null;
  }
  return withTimeout(
    new Promise<number>((resolve, reject) => {
      let head = '';
      stream.on('data', (chunk: Buffer) => {
        head += chunk.toString('latin1');
        const line = head.split('\r\n')[0] ?? '';
        if (head.includes('\r\n')) {
          stream.destroy();
          const m = /^HTTP\/\d(?:\.\d)? (\d{3})/.exec(line);
          if (m) resolve(Number(m[1]));
          else reject(new Error(`not HTTP: ${line.slice(0, 60)}`));
        }
      });
      stream.on('error', reject);
      stream.on('close', () => reject(new Error('closed without an answer')));
      stream.write(
        `GET ${path} HTTP/1.1\r\nHost: ${host}:${port}\r\nUser-Agent: portico-doctor/1\r\nConnection: close\r\n\r\n`,
      );
    }),
    timeoutMs,
    () => stream.destroy(),
  );
}

function withTimeout<T>(p: Promise<T>, ms: number, onTimeout?: () => void): Promise<T> {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      onTimeout?.();
      reject(new Error(`timeout after ${ms} ms`));
    }, ms);
    p.then(
      (v) => {
        clearTimeout(timer);
        resolve(v);
      },
      (e: unknown) => {
        clearTimeout(timer);
        reject(e);
      },
    );
  });
}

/**
 * An HTTP-01 challenge must be served from the webroot on port 80, not redirected or proxied:
 * a token is written into `<configRoot>/acme`, fetched from Portico, and removed.
 */
export async function acmePathCheck(
  agent: DoctorAgent,
  ssh: SshTransport,
  host: string,
  timeoutMs: number,
): Promise<DoctorCheck> {
  const token = `portico-doctor-${randomBytes(12).toString('hex')}`;
  const content = `${token}.${randomBytes(8).toString('hex')}`;
  const webroot = AgentWebroot.over(agent.row, ssh);
  const path = `/${CHALLENGE_DIR}/${token}`;
  try {
    await webroot.put(token, content);
  } catch (error) {
    return on(
      agent,
      host,
      check('ACME_PATH', 'skip', `could not write a test token: ${reason(error)}`, { path }, null),
    );
  }
  try {
    const res = await ask({
      tls: false,
      address: agent.address,
      port: agent.httpPort,
      host,
      path,
      timeoutMs,
    });
    const evidence = { path, status: res.status, location: res.headers.location ?? null };
    if (res.status === 200 && res.body === content)
      return on(agent, host, check('ACME_PATH', 'pass', 'challenge served on port 80', evidence));
    // A 200 with another body is someone else answering: the path went to the app, not the webroot.
    const other = res.status === 200 ? ' with something else than the token (proxied to the app?)' : '';
    return on(
      agent,
      host,
      check(
        'ACME_PATH',
        'fail',
        `challenge not served: HTTP ${res.status}${res.headers.location ? ` → ${res.headers.location}` : ''}${other}`,
        { ...evidence, body: res.body.slice(0, 200) },
        'port 80 must serve /.well-known/acme-challenge/ from the webroot before any redirect; check for a hand-written server block or a CDN rule',
      ),
    );
  } catch (error) {
    return on(
      agent,
      host,
      check('ACME_PATH', 'fail', reason(error), { path }, 'open port 80: HTTP-01 validation needs it'),
    );
  } finally {
    await webroot.remove(token).catch(() => undefined);
  }
}

/** The host's validator accepts the live config (nginx -t, apache2ctl configtest). */
export async function configValidCheck(
  agent: DoctorAgent,
  ssh: SshTransport,
  settings: HostSettings,
): Promise<DoctorCheck> {
  const res = await ssh.exec(settings.validateCommand);
  const output = `${res.stdout}${res.stderr}`.trim().slice(-2000);
  const evidence = { command: settings.validateCommand, exitCode: res.code, output };
  return on(
    agent,
    settings.validateCommand,
    res.code === 0
      ? check('CONFIG_VALID', 'pass', 'validator accepts the live config', evidence)
      : check(
          'CONFIG_VALID',
          'fail',
          `validator failed (exit ${res.code})`,
          evidence,
          'fix the error shown, or redeploy from Portico; the next reload would fail',
        ),
  );
}
