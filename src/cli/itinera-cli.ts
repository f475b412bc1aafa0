import { createInterface } from 'node:readline/promises';
import { parseArgs } from 'node:util';
import { changesIn, describePlan, executePlan, planChanges } from './apply-plan';
import { exportWorkspace, FileFormat } from './export-workspace';
import { ItineraApi } from './itinera-api';
import { readResources } from './resource-files';
import { validateResources } from './validate-files';
import { readWorkspace } from './workspace-state';

export interface CliIo {
  env: NodeJS.ProcessEnv;
  out: (line: string) => void;
  err: (line: string) => void;
  /** Asks a yes/no question; absent when there is no terminal to ask on. */
  ask?: (question: string) => Promise<boolean>;
}

const USAGE = `Usage: itinera <command> [options]

Commands:
  apply <file|folder>...   create or update journeys, destinations and audiences by name;
                           shows what changes and asks before changing anything
  export [folder]          write the workspace's journeys, destinations and audiences to files (default ./itinera)
  validate <file|folder>...  check files without changing anything (exit 1 with every problem)

Options:
  --url <url>        Itinera's address (or ITINERA_URL; default http://localhost:3000)
  --token <token>    an API token (or ITINERA_TOKEN)
  --yes              apply without asking
  --dry-run          apply: show the changes only
  --format yaml|json export: file format (default yaml)

Files are JSON or YAML; \${NAME} and \${NAME:-default} are replaced from the environment. A send step's
destinationId "$<name>" and a trigger's audienceId "$<name>" name a destination or audience by its name.
A journey with "publish: true" is published once applied (if it is a draft). A live journey whose file
changes more than its description and send steps gets a new version, published at once (running
instances finish on the version they entered).`;

/** `npx itinera …`: returns the exit code (0 done, 1 problems or refusals, 2 bad usage). */
export async function runCli(argv: string[], io: CliIo): Promise<number> {
  let parsed;
  try {
    parsed = parseArgs({
      args: argv,
      allowPositionals: true,
      options: {
        url: { type: 'string' },
        token: { type: 'string' },
        yes: { type: 'boolean', short: 'y' },
        'dry-run': { type: 'boolean' },
        format: { type: 'string' },
        help: { type: 'boolean', short: 'h' },
      },
    });
  } catch (error) {
    io.err((error as Error).message);
    io.err(USAGE);
    return 2;
  }
  const { values, positionals } = parsed;
  const [command, ...paths] = positionals;
  if (values.help || !command) {
    (command ? io.out : io.err)(USAGE);
    return values.help ? 0 : 2;
  }
  const url = values.url ?? io.env.ITINERA_URL ?? 'http://localhost:3000';
  const token = values.token ?? io.env.ITINERA_TOKEN;
  const api = () => {
    if (!token) throw new UsageError('an API token is needed: --token <token> or ITINERA_TOKEN');
    return new ItineraApi(url, token);
  };

  try {
    switch (command) {
      case 'validate':
        return validate(paths, io);
      case 'apply':
        return await apply(paths, api(), io, { yes: values.yes === true, dryRun: values['dry-run'] === true });
      case 'export': {
        const format = (values.format ?? 'yaml') as FileFormat;
        if (format !== 'yaml' && format !== 'json') throw new UsageError('--format is yaml or json');
        const written = exportWorkspace(await readWorkspace(api()), paths[0] ?? 'itinera', format);
        written.forEach((file) => io.out(`wrote ${file}`));
        return 0;
      }
      default:
        throw new UsageError(`unknown command "${command}"`);
    }
  } catch (error) {
    if (error instanceof UsageError) {
      io.err(error.message);
      io.err(USAGE);
      return 2;
    }
    io.err(`error: ${(error as Error).message}`);
    return 1;
  }
}

class UsageError extends Error {}

function validate(paths: string[], io: CliIo): number {
  if (!paths.length) throw new UsageError('validate needs a file or folder');
  const { resources, problems } = readResources(paths, io.env);
  problems.push(...validateResources(resources, undefined, pluginDirs(io.env)));
  if (problems.length) {
    io.err(`${problems.length} problem${problems.length === 1 ? '' : 's'}:`);
    for (const p of problems) io.err(`  ${p.file}: ${p.path ? `${p.path}: ` : ''}${p.message}`);
    return 1;
  }
  const count = (kind: string) => resources.filter((r) => r.kind === kind).length;
  io.out(`ok: ${count('journey')} journeys, ${count('destination')} destinations, ${count('audience')} audiences`);
  return 0;
}

async function apply(paths: string[], api: ItineraApi, io: CliIo, options: { yes: boolean; dryRun: boolean }): Promise<number> {
  if (!paths.length) throw new UsageError('apply needs a file or folder');
  const { resources, problems } = readResources(paths, io.env);
  if (problems.length) {
    io.err(`${problems.length} problem${problems.length === 1 ? '' : 's'} in the files; nothing was changed:`);
    for (const p of problems) io.err(`  ${p.file}: ${p.path ? `${p.path}: ` : ''}${p.message}`);
    return 1;
  }
  const state = await readWorkspace(api);
  const plan = planChanges(resources, state);
  describePlan(plan).forEach((line) => io.out(line));
  const refused = plan.filter((c) => c.action === 'refused');
  const changes = changesIn(plan);
  if (refused.length) {
    io.err(`${refused.length} change${refused.length === 1 ? '' : 's'} cannot be made; nothing was changed.`);
    return 1;
  }
  if (!changes.length) {
    io.out('No changes.');
    return 0;
  }
  if (options.dryRun) return 0;
  const publishing = plan.filter((c) => c.publish || c.action === 'version').length;
  if (!options.yes) {
    const question = `Apply ${changes.length} change${changes.length === 1 ? '' : 's'}${publishing ? ` (publishing ${publishing} journey${publishing === 1 ? '' : 's'})` : ''}? [y/N] `;
    if (!io.ask) {
      io.err('Not applied: no terminal to ask on. Pass --yes to apply without asking.');
      return 1;
    }
    if (!(await io.ask(question))) {
      io.out('Not applied.');
      return 1;
    }
  }
  await executePlan(api, plan, state, io.out);
  io.out('Applied.');
  return 0;
}

const pluginDirs = (env: NodeJS.ProcessEnv) => (env.ITINERA_PLUGIN_PATHS ?? '').split(/[,:]/).filter(Boolean);

/** The process's terminal as CliIo. */
export function processIo(): CliIo {
  return {
    env: process.env,
    out: (line) => process.stdout.write(`${line}\n`),
    err: (line) => process.stderr.write(`${line}\n`),
    ask: process.stdin.isTTY
      ? async (question) => {
          const prompt = createInterface({ input: process.stdin, output: process.stdout });
          try {
            return /^y(es)?$/i.test((await prompt.question(question)).trim());
          } finally {
            prompt.close();
          }
        }
      : undefined,
  };
}
