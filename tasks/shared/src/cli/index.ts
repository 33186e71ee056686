import { CliCommand, CliIo, UsageError } from './io';
import { validateCommand } from './validate';
import { pushCommand, refreshCommand } from './notify';
import { techdocsPublishCommand } from './techdocs';

export type { CliIo } from './io';

const commands: CliCommand[] = [
  validateCommand,
  pushCommand,
  refreshCommand,
  techdocsPublishCommand,
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
  if (argv.length === 0 || argv[0] === '--help' || argv[0] === '-h' || argv[0] === 'help') {
    io.stdout(overview());
    return argv.length === 0 ? 2 : 0;
  }
  const command = commands
    .filter(c => c.name.every((word, i) => argv[i] === word))
    .sort((a, b) => b.name.length - a.name.length)[0];
  if (!command) {
    io.stderr(`stagedoor: unknown command '${argv.join(' ')}'\n\n${overview()}`);
    return 2;
  }
  const args = argv.slice(command.name.length);
  if (args.includes('--help') || args.includes('-h')) {
    io.stdout(`${command.usage.trimEnd()}\n`);
    return 0;
  }
  try {
    return await command.run(args, io);
  } catch (error) {
    if (error instanceof UsageError) {
      io.stderr(`stagedoor ${command.name.join(' ')}: ${error.message}\n\n${command.usage.trimEnd()}\n`);
      return 2;
    }
    throw error;
  }
}
