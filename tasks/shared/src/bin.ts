import { main } from './cli';

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
