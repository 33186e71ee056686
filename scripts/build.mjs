// Bundles the `stagedoor` CLI and each pipeline task into CommonJS files (the task's entry
// with task-lib and, when the task has one, its lazily loaded core), and the baseline backend.
// Runs on `npm ci` (prepare), before `npm test`, and before packaging.
import { build } from 'esbuild';
import { cpSync, existsSync, readdirSync, renameSync, rmSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const require = createRequire(join(root, 'tasks/shared/package.json'));

const common = {
  bundle: true,
  platform: 'node',
  target: 'node20',
  format: 'cjs',
  minify: true,
  keepNames: true,
  legalComments: 'none',
  logLevel: 'warning',
  // Optional native helpers that @azure/identity and friends probe for at run time.
  external: ['keytar', '@azure/msal-node-extensions', 'cpu-features', 'ssh2'],
  // ESM builds of some dependencies (@azure/storage-common's crc64) call
  // createRequire(import.meta.url) at load time; in a CommonJS bundle that is
  // undefined, so give them the bundle's own URL.
  define: { 'import.meta.url': '__stagedoorBundleUrl' },
  banner: {
    js: "var __stagedoorBundleUrl = require('url').pathToFileURL(__filename).href;",
  },
};

// Validation checks many files on worker threads; each dist that validates (the CLI's and
// the validate task's) needs the worker's entry beside its bundle (see validate/parallel.ts).
const validateWorker = join(root, 'tasks/shared/src/validate/worker.ts');
const WORKER_FILE = 'validate-worker.js';
const buildWorker = outdir =>
  build({
    ...common,
    entryPoints: [validateWorker],
    outfile: join(outdir, WORKER_FILE),
  });

const parallelModule = 'tasks/shared/src/validate/parallel.ts';
/** Whether `module` (a path from the repository root) has code in the bundle, not only an import. */
function bundles(metafile, module) {
  return Object.values(metafile.outputs).some(out =>
    Object.entries(out.inputs).some(
      ([input, { bytesInOutput }]) =>
        bytesInOutput > 0 && input.replace(/\\/g, '/').endsWith(module),
    ),
  );
}

/**
 * The baseline backend runs as built JavaScript in production (`npm run start:production -w
 * backend`, the image's command): its own code and the workspace's @stagedoor packages in one
 * file, every other package loaded from node_modules as usual.
 */
const backendBuild = () =>
  build({
    bundle: true,
    platform: 'node',
    target: 'node20',
    format: 'cjs',
    sourcemap: true,
    logLevel: 'warning',
    entryPoints: [join(root, 'backstage-modules/backend/src/index.ts')],
    outfile: join(root, 'backstage-modules/backend/dist/index.js'),
    plugins: [
      {
        name: 'external-but-stagedoor',
        setup(b) {
          b.onResolve({ filter: /^[^./]/ }, args =>
            args.path.startsWith('@stagedoor/')
              ? undefined
              : { path: args.path, external: true },
          );
        },
      },
    ],
  });

// `--backend`: the baseline backend alone (what `npm start` rebuilds before it starts).
if (process.argv.includes('--backend')) {
  await backendBuild();
  process.exit(0);
}

const jobs = [
  build({
    ...common,
    entryPoints: [join(root, 'tasks/shared/src/bin.ts')],
    outfile: join(root, 'cli/dist/cli.js'),
  }),
  buildWorker(join(root, 'cli/dist')),
  backendBuild(),
];

/**
 * azure-pipelines-task-lib keeps the secret vault and the parsed inputs in module state:
 * two copies in one bundle (e.g. a nested node_modules) would mask secrets in one and
 * not the other. Fail the build when a bundle pulls in more than one copy.
 */
function assertOneTaskLib(task, metafile) {
  const copies = new Set();
  for (const input of Object.keys(metafile.inputs)) {
    const match = /^(.*node_modules\/azure-pipelines-task-lib)\//.exec(
      input.replace(/\\/g, '/'),
    );
    if (match) copies.add(match[1]);
  }
  if (copies.size > 1) {
    throw new Error(
      `tasks/${task}: the bundle contains ${copies.size} copies of azure-pipelines-task-lib ` +
        `(${[...copies].join(', ')}); dedupe them (npm dedupe, or align the versions) so that one module owns the secret store`,
    );
  }
}

/** The core bundle must not load task-lib: the entry's copy owns the secret store. */
function assertNoTaskLib(task, metafile) {
  if (
    Object.keys(metafile.inputs).some(i =>
      i.includes('azure-pipelines-task-lib/'),
    )
  ) {
    throw new Error(
      `tasks/${task}: src/core.ts pulls in azure-pipelines-task-lib; only the entry (src/index.ts) may load it`,
    );
  }
}

/** Replaces `outdir` with `staging`; retries when a concurrent build swapped its own in meanwhile. */
function swapIn(staging, outdir) {
  for (let attempt = 1; ; attempt++) {
    rmSync(outdir, { recursive: true, force: true });
    try {
      renameSync(staging, outdir);
      return;
    } catch (error) {
      if (attempt >= 5 || !['ENOTEMPTY', 'EEXIST'].includes(error.code))
        throw error;
    }
  }
}

// azure-pipelines-task-lib reads lib.json and its Strings/ next to the module that loads it:
// in a bundle that is the bundle's own folder.
const taskLibDir = dirname(
  require.resolve('azure-pipelines-task-lib/package.json'),
);

for (const name of readdirSync(join(root, 'tasks'))) {
  const taskDir = join(root, 'tasks', name);
  const entry = join(taskDir, 'src/index.ts');
  if (!existsSync(join(taskDir, 'task.json')) || !existsSync(entry)) continue;
  const outdir = join(taskDir, 'dist');
  // Build beside dist/ and swap it in at the end: tests running a task while another
  // build is in progress then see the old bundle or the new one, never an empty folder.
  const staging = join(taskDir, `dist.building-${process.pid}`);
  rmSync(staging, { recursive: true, force: true });
  // A task's src/core.ts (what its entry loads after reading the inputs) becomes a
  // second file, dist/core.js: starting the task then parses only task-lib and the
  // entry, and a failing input check never pays for the core's dependencies.
  const core = join(taskDir, 'src/core.ts');
  const hasCore = existsSync(core);
  jobs.push(
    Promise.all([
      build({
        ...common,
        entryPoints: [entry],
        outfile: join(staging, 'index.js'),
        metafile: true,
        external: [...common.external, ...(hasCore ? ['./core.js'] : [])],
      }),
      hasCore &&
        build({
          ...common,
          entryPoints: [core],
          outfile: join(staging, 'core.js'),
          metafile: true,
        }),
    ])
      .then(async ([result, coreResult]) => {
        // A core that runs validation starts workers from dist/validate-worker.js.
        if (coreResult && bundles(coreResult.metafile, parallelModule))
          await buildWorker(staging);
        assertOneTaskLib(name, result.metafile);
        if (coreResult) assertNoTaskLib(name, coreResult.metafile);
        cpSync(join(taskLibDir, 'lib.json'), join(staging, 'lib.json'));
        if (existsSync(join(taskLibDir, 'Strings'))) {
          cpSync(join(taskLibDir, 'Strings'), join(staging, 'Strings'), {
            recursive: true,
          });
        }
        swapIn(staging, outdir);
      })
      .finally(() => rmSync(staging, { recursive: true, force: true })),
  );
}

await Promise.all(jobs);
