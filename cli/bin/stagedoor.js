#!/usr/bin/env node
// The `stagedoor` command: one bundled file, no dependencies to load, no TypeScript runtime.
// In a checkout, `npm ci` (prepare) and `npm run build` write dist/; the published package ships it.
const { existsSync } = require('node:fs');
const { join } = require('node:path');

const bundle = join(__dirname, '..', 'dist', 'cli.js');
if (!existsSync(bundle)) {
  process.stderr.write(
    `stagedoor: ${bundle} is missing; in a checkout of the repository run \`npm run build\` first\n`,
  );
  process.exit(2);
}
require(bundle).run();
