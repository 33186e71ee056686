#!/usr/bin/env node
// Runs the bundled CLI (built by `npm ci`/`npm run build`); falls back to the
// TypeScript sources through tsx in a checkout that has not been built.
const { existsSync } = require('node:fs');
const { join } = require('node:path');

const bundle = join(__dirname, '..', 'dist', 'cli.js');
if (existsSync(bundle)) {
  require(bundle);
} else {
  require('tsx/cjs');
  require(join(__dirname, '..', 'src', 'bin.ts'));
}
