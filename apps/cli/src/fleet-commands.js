// @ts-check
import { CliError, EXIT } from './api.js';

/** @typedef {import('./api.js').Api} Api */
/** @typedef {import('./state-commands.js').Io} Io */

const FINISHED = new Set(['succeeded', 'succeeded_with_warnings', 'partially_failed', 'failed']);
const sleep = (/** @type {number} */ ms) => new Promise((r) => setTimeout(r, ms));

/**
 * `--selector env=prod,tier=edge` (or repeated) into a label map.
 * @param {string[]} pairs
 */
export function parseSelector(pairs) {
  /** @type {Record<string, string>} */
  const labels = {};
  for (const pair of pairs.flatMap((p) => p.split(','))) {
    const m = /^([^=\s]+)=(\S*)$/.exec(pair.trim());
    if (!m) throw new CliError(`--selector expects key=value, got "${pair}"`, EXIT.USAGE);
    labels[/** @type {string} */ (m[1])] = /** @type {string} */ (m[2]);
  }
  return labels;
}

/**
 * Starts a deployment (POST /api/v1/deployments); with --wait follows it until it finishes,
 * printing each target's step and status as they change.
 * @param {Api} api
 * @param {Io} io
 * @param {{ selector?: string[], agent?: string[], wait?: boolean, pollMs?: number }} opts
 */
export async function deploy(api, io, opts) {
  /** @type {Record<string, unknown>} */
  const body = opts.agent?.length
    ? { agents: opts.agent }
    : opts.selector?.length
      ? { selector: parseSelector(opts.selector) }
      : { all: true };
  const res = await api.request('POST', '/api/v1/deployments', { json: body, allow: [404] });
  if (res.status === 404)
    throw new CliError('this Portico has no deployments API (POST /api/v1/deployments)', EXIT.UNAVAILABLE);
  let d = res.body;
  if (!io.json)
    io.out(`Deployment ${d.id} of revision ${d.revision}: ${d.status}, ${d.targets?.length ?? 0} agent(s)`);
  if (opts.wait) {
    /** @type {Map<string, string>} */
    const seen = new Map();
    for (;;) {
      for (const t of d.targets ?? []) {
        const why = t.error ?? t.warning;
        const line = `${t.status}${t.step ? ` (${t.step})` : ''}${why ? `: ${why}` : ''}`;
        if (seen.get(t.agentId) !== line && !io.json) io.out(`  ${t.agentName}: ${line}`);
        seen.set(t.agentId, line);
      }
      if (FINISHED.has(d.status)) break;
      await sleep(opts.pollMs ?? 1000);
      d = (await api.get(`/api/v1/deployments/${d.id}`)).body;
    }
    if (!io.json)
      io.out(
        `Deployment ${d.id}: ${d.status}${d.durationMs != null ? ` in ${(d.durationMs / 1000).toFixed(1)} s` : ''}`,
      );
  }
  if (io.json) io.out(JSON.stringify(d, null, 2));
  if (opts.wait && d.status === 'succeeded_with_warnings') {
    throw new CliError(
      `deployment ${d.id} succeeded with warnings: some backends did not answer`,
      EXIT.WARNINGS,
      d,
    );
  }
  if (opts.wait && d.status !== 'succeeded') {
    throw new CliError(`deployment ${d.id} ${d.status}`, EXIT.FAILED, d);
  }
  return d;
}

/**
 * @param {Api} api
 * @param {Io} io
 */
export async function status(api, io) {
  const [revision, agents, sites, deployments] = await Promise.all([
    api.get('/api/v1/revision'),
    api.get('/api/v1/agents?limit=500'),
    api.get('/api/v1/sites?limit=1'),
    api.request('GET', '/api/v1/deployments?limit=5', { allow: [404] }),
  ]);
  const recent = deployments.status === 404 ? null : deployments.body.items;
  const summary = {
    revision: revision.body.revision,
    agents: agents.body.items.map((/** @type {any} */ a) => ({
      name: a.name,
      address: a.address,
      flavor: a.flavor,
    })),
    sites: sites.body.total,
    deployments: recent,
  };
  if (io.json) return io.out(JSON.stringify(summary, null, 2));
  const lines = [`Revision ${summary.revision}: ${agents.body.total} agent(s), ${summary.sites} site(s)`];
  for (const a of summary.agents) lines.push(`  ${a.name.padEnd(24)} ${a.flavor.padEnd(7)} ${a.address}`);
  if (recent === null) lines.push('Deployments: not available on this Portico');
  else if (!recent.length) lines.push('Deployments: none yet');
  else {
    lines.push('Recent deployments:');
    for (const d of recent) lines.push(`  ${d.id}  revision ${d.revision}  ${d.status}  ${d.createdAt}`);
  }
  io.out(lines.join('\n'));
}

/**
 * @param {Api} api
 * @param {Io} io
 */
export async function certs(api, io) {
  const res = await api.request('GET', '/api/v1/certificates?limit=500', { allow: [404] });
  if (res.status === 404) throw new CliError('this Portico has no certificates API', EXIT.UNAVAILABLE);
  const items = Array.isArray(res.body) ? res.body : res.body.items;
  if (io.json) return io.out(JSON.stringify(items, null, 2));
  if (!items.length) return io.out('No certificates.');
  const now = Date.now();
  const lines = items.map((/** @type {any} */ c) => {
    const days = c.notAfter ? Math.floor((Date.parse(c.notAfter) - now) / 86_400_000) : null;
    const left = days === null ? '-' : `${days}d`;
    return `${c.id}  ${String(c.status).padEnd(8)} ${left.padStart(5)}  ${c.source}  ${c.domains.join(', ')}`;
  });
  io.out(lines.join('\n'));
}

/**
 * Runs the site doctor (POST /api/v1/sites/:id/doctor); SITE is a name or an id.
 * @param {Api} api
 * @param {Io} io
 * @param {string} site
 */
export async function doctor(api, io, site) {
  // The list's q searches names; an id is looked up directly.
  const byId = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i.test(site)
    ? await api.request('GET', `/api/v1/sites/${site}`, { allow: [404] })
    : null;
  const list =
    byId?.status === 200 ? null : await api.get(`/api/v1/sites?limit=500&q=${encodeURIComponent(site)}`);
  const found = list
    ? list.body.items.find((/** @type {any} */ s) => s.name === site || s.id === site)
    : byId?.body;
  if (!found) throw new CliError(`no site named ${site}`, EXIT.FAILED);
  const res = await api.request('POST', `/api/v1/sites/${found.id}/doctor`, { allow: [404] });
  if (res.status === 404) {
    throw new CliError(
      'this Portico has no site doctor yet (POST /api/v1/sites/:id/doctor)',
      EXIT.UNAVAILABLE,
    );
  }
  if (io.json) {
    io.out(JSON.stringify(res.body, null, 2));
  } else {
    /** @type {Record<string, string>} */
    const label = { pass: 'ok  ', warn: 'WARN', fail: 'FAIL', skip: 'skip' };
    const counts = res.body.counts ?? {};
    const lines = [
      `Site ${found.name}: ${res.body.status} (${counts.pass ?? 0} ok, ${counts.warn ?? 0} warn, ${counts.fail ?? 0} fail, ${counts.skip ?? 0} skipped)`,
    ];
    for (const c of res.body.checks ?? []) {
      const where = [c.agentName, c.subject].filter(Boolean).join(' ');
      lines.push(`  ${label[c.status] ?? c.status} ${c.code}${where ? ` [${where}]` : ''} ${c.message}`);
      if (c.remediation && (c.status === 'fail' || c.status === 'warn'))
        lines.push(`       fix: ${c.remediation}`);
    }
    io.out(lines.join('\n'));
  }
  // Warnings are worth reading but are not failures: only a failed check fails the command.
  if (res.body.status === 'fail') {
    throw new CliError(`site ${found.name}: doctor found failures`, EXIT.FAILED);
  }
}
