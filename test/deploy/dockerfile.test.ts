import { strict as assert } from 'node:assert';
import fs from 'node:fs';
import path from 'node:path';
import { backendDir } from './productionEnv';

const root = path.resolve(__dirname, '../..');
const dockerfile = fs.readFileSync(path.join(root, 'Dockerfile'), 'utf8');
/** Instructions with line continuations joined and comments dropped. */
const instructions = dockerfile
  .replace(/\\\n/g, ' ')
  .split('\n')
  .map(line => line.trim())
  .filter(line => line && !line.startsWith('#'));
const stages = instructions.filter(i => i.startsWith('FROM '));
const finalStage = instructions.slice(
  instructions.lastIndexOf(stages[stages.length - 1]),
);

// No Docker engine here: these checks read the Dockerfile; CI builds nothing from it.
describe('Dockerfile (read, not built: no Docker engine here)', () => {
  it('builds in stages and runs as a non-root user in production mode', () => {
    assert.ok(stages.length >= 2, 'multi-stage');
    assert.ok(finalStage.includes('ENV NODE_ENV=production'));
    const user = finalStage.find(i => i.startsWith('USER '));
    assert.match(
      user ?? '',
      /^USER [1-9]\d*(:[1-9]\d*)?$/,
      'a numeric, non-root user',
    );
    assert.ok(
      finalStage.indexOf(user!) <
        finalStage.findIndex(i => i.startsWith('CMD ')),
    );
  });

  it('ships production dependencies only', () => {
    const install = instructions.find(
      i => i.startsWith('RUN') && i.includes('--omit=dev'),
    );
    assert.match(install ?? '', /npm ci --omit=dev/);
    const copiedModules = finalStage.filter(
      i => i.startsWith('COPY') && i.includes('node_modules'),
    );
    assert.ok(
      copiedModules.every(i => i.includes('--from=deps')),
      'node_modules only from the production install',
    );
  });

  it('checks health on the readiness endpoint', () => {
    const health = finalStage.find(i => i.startsWith('HEALTHCHECK'));
    assert.match(health ?? '', /\/\.backstage\/health\/v1\/readiness/);
  });

  it('starts the backend exactly like `npm run start:production -w backend`, which the PostgreSQL test runs', () => {
    const cmd = finalStage.find(i => i.startsWith('CMD '))!;
    const args = JSON.parse(cmd.slice(4)) as string[];
    const script = JSON.parse(
      fs.readFileSync(path.join(backendDir, 'package.json'), 'utf8'),
    ).scripts['start:production'];
    assert.deepEqual(args, script.split(/\s+/));
    assert.ok(finalStage.includes('WORKDIR /app/backstage-modules/backend'));
    assert.ok(finalStage.includes('EXPOSE 7007'));
  });

  it('runs only npm commands that CI runs too', () => {
    // The root scripts CI runs, directly or through another root script (lint runs typecheck).
    const ci = fs.readFileSync(path.join(root, '.ci/run'), 'utf8');
    const scripts: Record<string, string> = JSON.parse(
      fs.readFileSync(path.join(root, 'package.json'), 'utf8'),
    ).scripts;
    const ciScripts = new Set<string>();
    const visit = (text: string) => {
      for (const [, name] of text.matchAll(/npm run (\S+)/g)) {
        if (ciScripts.has(name)) continue;
        ciScripts.add(name);
        visit(scripts[name] ?? '');
      }
    };
    visit(ci);
    for (const run of instructions.filter(i => i.startsWith('RUN '))) {
      for (const command of run
        .slice(4)
        .split('&&')
        .map(c => c.trim())) {
        if (!command.startsWith('npm ')) continue;
        const script = /^npm run (\S+)/.exec(command);
        if (script)
          assert.ok(ciScripts.has(script[1]), `CI does not run ${command}`);
        else
          assert.match(
            command,
            /^npm ci\b/,
            `unexpected npm command ${command}`,
          );
      }
    }
    assert.match(ci, /npm ci\b/);
  });

  it('keeps dependencies, git history and local configuration out of the build context', () => {
    const ignore = fs
      .readFileSync(path.join(root, '.dockerignore'), 'utf8')
      .split('\n');
    for (const entry of ['**/node_modules', '.git', '**/app-config.local.yaml'])
      assert.ok(ignore.includes(entry), entry);
  });
});
