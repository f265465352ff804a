// @ts-check
import { readFile, writeFile } from 'node:fs/promises';
import { parse as parseYaml, stringify as toYaml } from 'yaml';
import { CliError, EXIT } from './api.js';

/** @typedef {import('./api.js').Api} Api */
/** @typedef {{ json: boolean, out: (text: string) => void }} Io */

const SIGN = { create: '+', update: '~', delete: '-' };

/** @param {string} file */
async function readInput(file) {
  if (file === '-') {
    const chunks = [];
    for await (const chunk of process.stdin) chunks.push(chunk);
    return Buffer.concat(chunks).toString('utf8');
  }
  try {
    return await readFile(file, 'utf8');
  } catch (error) {
    throw new CliError(`cannot read ${file}: ${/** @type {Error} */ (error).message}`, EXIT.USAGE);
  }
}

/** @param {unknown} v */
const show = (v) => (v === undefined ? '(none)' : JSON.stringify(v));

/**
 * The plan as people read it: one line per object, one indented line per changed field.
 * @param {any} plan
 */
export function formatPlan(plan) {
  const lines = [];
  for (const c of plan.changes) {
    lines.push(`${SIGN[/** @type {'create'} */ (c.action)] ?? '?'} ${c.kind} ${c.name}`);
    if (c.action === 'update')
      for (const f of c.fields) lines.push(`    ${f.field}: ${show(f.before)} -> ${show(f.after)}`);
  }
  const s = plan.summary;
  lines.push(
    `Plan: ${s.create} to create, ${s.update} to change, ${s.delete} to delete, ${s.unchanged} unchanged.`,
  );
  if (plan.agents) {
    const touched = plan.agents.filter((/** @type {any} */ a) => a.status !== 'unchanged' || a.error);
    if (touched.length) lines.push('Rendered files:');
    for (const a of touched) {
      lines.push(`  agent ${a.agent} (${a.status})${a.error ? `: cannot render: ${a.error.message}` : ''}`);
      for (const f of a.files)
        lines.push(
          `    ${SIGN[f.change === 'added' ? 'create' : f.change === 'removed' ? 'delete' : 'update']} ${f.path}`,
        );
    }
  }
  if (plan.deployment)
    lines.push(`Deployment ${plan.deployment.id} started (revision ${plan.deployment.revision}).`);
  if (plan.dryRun) lines.push('Dry run: nothing was changed.');
  else if (plan.applied) lines.push(`Applied: the desired state is now revision ${plan.revision}.`);
  else lines.push(`No changes: revision ${plan.revision} already matches the document.`);
  return lines.join('\n');
}

/**
 * @param {Api} api
 * @param {Io} io
 * @param {{ file: string, dryRun?: boolean, deploy?: boolean }} opts
 */
export async function apply(api, io, opts) {
  const text = await readInput(opts.file);
  try {
    parseYaml(text);
  } catch (error) {
    throw new CliError(
      `${opts.file} is not valid YAML or JSON: ${/** @type {Error} */ (error).message.split('\n')[0]}`,
      EXIT.USAGE,
    );
  }
  const query = opts.dryRun ? '?dryRun=true' : opts.deploy ? '?deploy=true' : '';
  const res = await api.request('POST', `/api/v1/apply${query}`, {
    raw: text,
    contentType: 'application/yaml',
  });
  io.out(io.json ? JSON.stringify(res.body, null, 2) : formatPlan(res.body));
  return res.body;
}

/**
 * @param {Api} api
 * @param {Io} io
 * @param {{ format?: string, output?: string }} opts
 */
export async function exportState(api, io, opts) {
  const format = io.json ? 'json' : (opts.format ?? 'yaml');
  if (!['yaml', 'json'].includes(format)) throw new CliError('--format must be yaml or json', EXIT.USAGE);
  const res = await api.get(`/api/v1/export?format=${format}`);
  const text = format === 'json' ? `${JSON.stringify(res.body, null, 2)}\n` : res.text;
  if (opts.output) await writeFile(opts.output, text);
  else io.out(text.replace(/\n$/, ''));
}

/**
 * @param {Api} api
 * @param {Io} io
 * @param {{ output?: string }} opts
 */
export async function backup(api, io, opts) {
  const res = await api.get('/api/v1/backup');
  const file = opts.output ?? `portico-backup-${res.body.createdAt.replace(/[:.]/g, '-')}.json`;
  await writeFile(file, res.text, { mode: 0o600 });
  const rows = Object.values(res.body.tables).reduce((n, t) => n + /** @type {unknown[]} */ (t).length, 0);
  io.out(
    io.json
      ? JSON.stringify({ file, createdAt: res.body.createdAt, rows })
      : `Backup written to ${file} (${rows} rows).`,
  );
}

/**
 * @param {Api} api
 * @param {Io} io
 * @param {{ file: string, force?: boolean }} opts
 */
export async function restore(api, io, opts) {
  const text = await readInput(opts.file);
  const query = opts.force ? '?force=true' : '';
  const res = await api.request('POST', `/api/v1/restore${query}`, {
    raw: text,
    contentType: 'application/octet-stream',
  });
  if (io.json) io.out(JSON.stringify(res.body));
  else {
    const total = Object.values(res.body.tables).reduce((n, c) => n + Number(c), 0);
    io.out(
      `Restored ${total} rows. Sessions were reset: log in again (API tokens from the backup are valid).`,
    );
  }
}

export { toYaml };
