import type { CliCommand, CliIo } from './io';
import { UsageError } from './io';

export type { CliIo } from './io';

/**
 * The commands, with what `--help` shows. Each command's module (and so its
 * core and dependencies) is loaded only when that command runs: a
 * `stagedoor validate` never pays for the Azure SDKs of the other commands.
 */
const commands: {
  name: string[];
  summary: string;
  load: () => Promise<CliCommand>;
}[] = [
  {
    name: ['validate'],
    summary: 'Validate catalog-info.yaml files with line-level errors',
    load: () => import('./validate.js').then(m => m.validateCommand),
  },
  {
    name: ['push'],
    summary:
      "Push the repository's catalog files to Backstage and wait until they are processed",
    load: () => import('./notify.js').then(m => m.pushCommand),
  },
  {
    name: ['refresh'],
    summary: "Ask Backstage to refresh the repository's entities now",
    load: () => import('./notify.js').then(m => m.refreshCommand),
  },
  {
    name: ['techdocs', 'publish'],
    summary:
      'Build the docs with MkDocs and publish them to Azure Blob Storage, incrementally',
    load: () => import('./techdocs.js').then(m => m.techdocsPublishCommand),
  },
  {
    name: ['hooks', 'install'],
    summary:
      'Create or update the Azure DevOps service hook subscriptions that feed the catalog',
    load: () => import('./hooks.js').then(m => m.hooksInstallCommand),
  },
];

function overview(): string {
  const width = Math.max(...commands.map(c => c.name.join(' ').length));
  return [
    'Usage: stagedoor <command> [options]',
    '',
    'Bring catalog entities and TechDocs from a repository into Backstage.',
    '',
    'Commands:',
    ...commands.map(c => `  ${c.name.join(' ').padEnd(width)}  ${c.summary}`),
    '',
    'Run `stagedoor <command> --help` for the options of a command.',
    '',
  ].join('\n');
}

/** Runs the CLI with `argv` (without node and script) and returns the exit code. */
export async function main(argv: string[], io: CliIo): Promise<number> {
  if (
    argv.length === 0 ||
    argv[0] === '--help' ||
    argv[0] === '-h' ||
    argv[0] === 'help'
  ) {
    io.stdout(overview());
    return argv.length === 0 ? 2 : 0;
  }
  const entry = commands
    .filter(c => c.name.every((word, i) => argv[i] === word))
    .sort((a, b) => b.name.length - a.name.length)[0];
  if (!entry) {
    io.stderr(
      `stagedoor: unknown command '${argv.join(' ')}'\n\n${overview()}`,
    );
    return 2;
  }
  const command = await entry.load();
  const args = argv.slice(entry.name.length);
  if (args.includes('--help') || args.includes('-h')) {
    io.stdout(`${command.usage.trimEnd()}\n`);
    return 0;
  }
  try {
    return await command.run(args, io);
  } catch (error) {
    if (error instanceof UsageError) {
      io.stderr(
        `stagedoor ${entry.name.join(' ')}: ${error.message}\n\n${command.usage.trimEnd()}\n`,
      );
      return 2;
    }
    throw error;
  }
}
