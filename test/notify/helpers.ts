import { execFileSync } from 'node:child_process';
import { join, resolve } from 'node:path';
import type { AgentEndpoint } from '../fixtures/agent';
import { TOKEN } from './backend';

const root = resolve(__dirname, '..', '..');

let built = false;

/** Bundles the tasks once per test run (serialised with other builds, which wipe dist/). */
export function buildTasks() {
  if (built) return;
  built = true;
  execFileSync(
    'flock',
    [
      '/tmp/stagedoor-build.lock',
      process.execPath,
      join(root, 'scripts/build.mjs'),
    ],
    { stdio: 'inherit' },
  );
}

/** A Backstage service connection with a static token, as the agent hands it over. */
export function tokenEndpoint(
  url: string,
  token = TOKEN,
): Record<string, AgentEndpoint> {
  return {
    'backstage-prod': {
      url,
      scheme: 'Token',
      parameters: { apitoken: token },
      data: { authenticationMethod: 'token' },
    },
  };
}
