// Builds the packages adopters install the way Backstage builds its own: `tsc` writes the
// type declarations of every public package to dist-types/, then `backstage-cli package
// build` bundles each package's JavaScript and declarations into its dist/.
//
//   node scripts/build-packages.mjs          every public package (the adopter test packs them)
//   node scripts/build-packages.mjs --self   the package in the current folder (its prepack)
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { dirname, join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');

/** The workspaces adopters install, built with backstage-cli (the `stagedoor` CLI is bundled by build.mjs). */
export const PUBLIC_BACKSTAGE_PACKAGES = [
  'backstage-modules/common',
  'backstage-modules/catalog-backend-module-push',
  'backstage-modules/scaffolder-backend-module-azure-devops',
  'backstage-modules/plugin-azure-cost-common',
  'backstage-modules/plugin-azure-cost-backend',
  'backstage-modules/plugin-delivery',
  'backstage-modules/plugin-azure-cost',
];

const run = (cmd, args, cwd) =>
  execFileSync(cmd, args, { cwd, stdio: 'inherit', env: process.env });

const bin = name => join(root, 'node_modules', '.bin', name);

/**
 * Writes dist-types/. Type errors are the type check's job (`npm run typecheck`, run by
 * `npm run lint` in CI): tsc still writes the declarations then, and the build goes on.
 */
function declarations() {
  try {
    execFileSync(bin('tsc'), ['-p', join(root, 'tsconfig.build.json')], {
      cwd: root,
      stdio: 'pipe',
    });
  } catch (error) {
    // Status 1 or 2: diagnostics reported (the declarations are written all the same).
    if (error.status !== 1 && error.status !== 2) throw error;
    process.stderr.write(
      'warning: tsc reported type errors while writing declarations; run `npm run typecheck`\n',
    );
  }
}

/**
 * A frontend package type-checks with its own tsconfig.json (DOM, JSX, bundler resolution):
 * its declarations go to the same place in dist-types/ as the backend packages' do.
 */
function frontendDeclarations(dir) {
  const rel = relative(root, dir);
  try {
    execFileSync(
      bin('tsc'),
      [
        '-p',
        join(dir, 'tsconfig.json'),
        '--noEmit',
        'false',
        '--declaration',
        '--emitDeclarationOnly',
        '--outDir',
        join(root, 'dist-types', rel),
        '--rootDir',
        dir,
      ],
      { cwd: dir, stdio: 'pipe' },
    );
  } catch (error) {
    if (error.status !== 1 && error.status !== 2) throw error;
  }
}

function buildPackage(dir) {
  const pkg = JSON.parse(readFileSync(join(dir, 'package.json'), 'utf8'));
  process.stdout.write(`building ${pkg.name} (${relative(root, dir)})\n`);
  if (String(pkg.backstage?.role).startsWith('frontend'))
    frontendDeclarations(dir);
  run(bin('backstage-cli'), ['package', 'build'], dir);
}

// Run, not imported (scripts/api-reports.mjs imports the list above).
if (process.argv[1] === fileURLToPath(import.meta.url)) {
  declarations();
  if (process.argv.includes('--self')) buildPackage(process.cwd());
  else
    for (const dir of PUBLIC_BACKSTAGE_PACKAGES) buildPackage(join(root, dir));
}
