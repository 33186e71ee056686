// API reports for the packages adopters import: each package's public API, as its built
// declarations (dist/index.d.ts) state it, goes into <package>/report.api.md, so that a change
// of the API shows in review.
//
//   node scripts/api-reports.mjs           write the reports (after `npm run build:packages`)
//   node scripts/api-reports.mjs --check   fail when a report is out of date (CI)
import { Extractor, ExtractorConfig } from '@microsoft/api-extractor';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { PUBLIC_BACKSTAGE_PACKAGES } from './build-packages.mjs';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const check = process.argv.includes('--check');
const temp = mkdtempSync(join(tmpdir(), 'stagedoor-api-'));

// Another public package is read from its built declarations, as an adopter's compiler sees it,
// not from the workspace's sources (which `main` points at in the repository).
const paths = Object.fromEntries(
  PUBLIC_BACKSTAGE_PACKAGES.map(rel => [
    JSON.parse(readFileSync(join(root, rel, 'package.json'), 'utf8')).name,
    [join(root, rel, 'dist', 'index.d.ts')],
  ]),
);

let failed = false;
try {
  for (const rel of PUBLIC_BACKSTAGE_PACKAGES) {
    const dir = join(root, rel);
    const { name } = JSON.parse(
      readFileSync(join(dir, 'package.json'), 'utf8'),
    );
    const entry = join(dir, 'dist', 'index.d.ts');
    if (!existsSync(entry)) {
      console.error(
        `${name}: ${entry} is missing; run \`npm run build:packages\` first`,
      );
      failed = true;
      continue;
    }
    const config = ExtractorConfig.prepare({
      configObject: {
        projectFolder: dir,
        mainEntryPointFilePath: entry,
        compiler: {
          overrideTsconfig: {
            compilerOptions: {
              target: 'ES2022',
              module: 'Node16',
              moduleResolution: 'Node16',
              strict: true,
              skipLibCheck: true,
              types: ['node'],
              baseUrl: root,
              paths,
            },
            files: [entry],
          },
        },
        apiReport: {
          enabled: true,
          reportFolder: dir,
          reportFileName: 'report',
          reportTempFolder: temp,
        },
        docModel: { enabled: false },
        dtsRollup: { enabled: false },
        tsdocMetadata: { enabled: false },
        messages: {
          compilerMessageReporting: { default: { logLevel: 'warning' } },
          extractorMessageReporting: {
            default: { logLevel: 'warning' },
            // Backstage's own reports list these as notes in the report, not as failures.
            'ae-missing-release-tag': { logLevel: 'none' },
            'ae-forgotten-export': { logLevel: 'none' },
            'ae-undocumented': { logLevel: 'none' },
            // backstage-cli's declaration rollup leaves @packageDocumentation below the imports.
            'ae-misplaced-package-tag': { logLevel: 'none' },
          },
          tsdocMessageReporting: { default: { logLevel: 'none' } },
        },
      },
      configObjectFullPath: join(dir, 'api-extractor.json'),
      packageJsonFullPath: join(dir, 'package.json'),
    });
    const result = Extractor.invoke(config, {
      localBuild: !check,
      showVerboseMessages: false,
    });
    if (check && result.apiReportChanged) {
      console.error(
        `${name}: its public API changed and ${rel}/report.api.md is out of date; run \`npm run api-reports\` and commit the report`,
      );
      failed = true;
    } else if (!result.succeeded) {
      console.error(
        `${name}: api-extractor reported ${result.errorCount} error(s)`,
      );
      failed = true;
    } else {
      console.log(
        `${name}: ${rel}/report.api.md ${check ? 'up to date' : 'written'}`,
      );
    }
  }
} finally {
  rmSync(temp, { recursive: true, force: true });
}
process.exitCode = failed ? 1 : 0;
