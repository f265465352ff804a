// @ts-check
import { readFileSync } from 'node:fs';
import { Command, CommanderError, Option } from 'commander';
import { Api, CliError, EXIT } from './api.js';
import { certs, deploy, doctor, status } from './fleet-commands.js';
import { apply, backup, exportState, restore } from './state-commands.js';

const { version } = JSON.parse(readFileSync(new URL('../package.json', import.meta.url), 'utf8'));

/**
 * The `portico` program. `out`/`err` are injectable so tests can run it in-process; the bin
 * wires them to stdout/stderr and exits with the returned code.
 * @param {string[]} argv arguments after the program name
 * @param {{ env?: NodeJS.ProcessEnv, out?: (s: string) => void, err?: (s: string) => void }} [io]
 * @returns {Promise<number>} exit code
 */
export async function run(argv, io = {}) {
  const env = io.env ?? process.env;
  const out = io.out ?? ((s) => process.stdout.write(`${s}\n`));
  const err = io.err ?? ((s) => process.stderr.write(`${s}\n`));
  const program = new Command('portico')
    .description(
      'Portico on the command line: declarative apply, export, deploy, status (docs/automation.md)',
    )
    .version(version)
    .addOption(new Option('--url <url>', 'Portico base URL').env('PORTICO_URL'))
    .addOption(new Option('--token <token>', 'API token (ptk_…)').env('PORTICO_TOKEN'))
    .option('--json', 'machine-readable output', false)
    .exitOverride()
    .configureOutput({
      writeOut: (s) => out(s.replace(/\n$/, '')),
      writeErr: (s) => err(s.replace(/\n$/, '')),
    });

  /** @param {(api: Api, io: {json: boolean, out: (s: string) => void}) => Promise<unknown>} fn */
  const action = (fn) => async () => {
    const g = program.opts();
    const url = g.url ?? env.PORTICO_URL;
    const token = g.token ?? env.PORTICO_TOKEN;
    if (!url) throw new CliError('set PORTICO_URL or pass --url', EXIT.USAGE);
    if (!token)
      throw new CliError(
        'set PORTICO_TOKEN or pass --token (create one under Settings → API tokens)',
        EXIT.USAGE,
      );
    await fn(new Api(url, token), { json: Boolean(g.json), out });
  };

  program
    .command('apply')
    .description('apply a fleet document (YAML or JSON) in one transaction; prints the plan')
    .requiredOption('-f, --file <file>', 'the document, - for stdin')
    .option('--dry-run', 'show the plan and the rendered files that would change; change nothing')
    .option('--deploy', 'then start a deployment to every agent')
    .action((opts) => action((api, o) => apply(api, o, opts))());
  program
    .command('export')
    .description('print the whole desired state as a fleet document')
    .option('--format <format>', 'yaml or json', 'yaml')
    .option('-o, --output <file>', 'write to a file')
    .action((opts) => action((api, o) => exportState(api, o, opts))());
  program
    .command('deploy')
    .description('deploy the current revision to every agent, or those a selector picks')
    .option('--selector <key=value...>', 'agents whose labels match (comma-separated or repeated)')
    .option('--agent <name...>', 'these agents')
    .option(
      '--wait',
      'follow the deployment until it finishes; non-zero exit unless it succeeded (6: with warnings)',
    )
    .action((opts) => action((api, o) => deploy(api, o, opts))());
  program
    .command('status')
    .description('revision, agents and recent deployments')
    .action(() => action((api, o) => status(api, o))());
  program
    .command('certs')
    .description('certificates with their status and days to expiry')
    .action(() => action((api, o) => certs(api, o))());
  program
    .command('doctor')
    .description('diagnose a site end to end')
    .argument('<site>', 'site name or id')
    .action((site) => action((api, o) => doctor(api, o, site))());
  program
    .command('backup')
    .description('download a full backup (admin): desired state, users, tokens, sealed secrets, history')
    .option('-o, --output <file>', 'file to write (default portico-backup-<time>.json)')
    .action((opts) => action((api, o) => backup(api, o, opts))());
  program
    .command('restore')
    .description('restore a backup into a fresh Portico (admin); same master key required')
    .requiredOption('-f, --file <file>', 'the backup, - for stdin')
    .option('--force', 'replace a Portico that already holds desired state')
    .action((opts) => action((api, o) => restore(api, o, opts))());

  try {
    await program.parseAsync(argv, { from: 'user' });
    return EXIT.OK;
  } catch (error) {
    if (error instanceof CommanderError) {
      return error.code === 'commander.helpDisplayed' ||
        error.code === 'commander.version' ||
        error.exitCode === 0
        ? EXIT.OK
        : EXIT.USAGE;
    }
    if (error instanceof CliError) {
      if (program.opts().json && error.body !== undefined) out(JSON.stringify(error.body, null, 2));
      err(`portico: ${error.message}`);
      return error.exitCode;
    }
    err(`portico: ${error instanceof Error ? error.message : String(error)}`);
    return EXIT.FAILED;
  }
}
