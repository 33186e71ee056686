import { main } from './cli';

export { main };

/**
 * Runs the `stagedoor` command with this process's arguments, streams and environment, and
 * sets the exit code. `bin/stagedoor.js` calls it; requiring the bundle (the package's `main`)
 * runs nothing, so `require('stagedoor').main(args, io)` can be called from code.
 */
export function run(): void {
  main(process.argv.slice(2), {
    stdout: text => process.stdout.write(text),
    stderr: text => process.stderr.write(text),
    env: process.env,
    cwd: process.cwd(),
  }).then(
    code => {
      process.exitCode = code;
    },
    error => {
      process.stderr.write(
        `stagedoor: ${error instanceof Error ? error.message : String(error)}\n`,
      );
      process.exitCode = 2;
    },
  );
}

// `node dist/cli.js …` (as the tests and benchmarks start it) runs the command too.
if (require.main === module) run();
