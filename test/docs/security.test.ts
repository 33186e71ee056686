/**
 * docs/security.md stays true to the tree: every link to a file resolves, and
 * every threat names at least one test that shows its mitigation.
 */
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';

const DOC = path.resolve(__dirname, '../../docs/security.md');

describe('docs/security.md', () => {
  const text = fs.readFileSync(DOC, 'utf8');
  const links = [...text.matchAll(/\]\(([^)\s]+)\)/g)].map(m => m[1]);

  it('links only to files that exist', () => {
    const local = links.filter(l => !/^[a-z]+:/i.test(l) && !l.startsWith('#'));
    assert.ok(local.length > 10, `found ${local.length} links`);
    const missing = local.filter(
      l => !fs.existsSync(path.resolve(path.dirname(DOC), l.split('#')[0])),
    );
    assert.deepEqual(missing, []);
  });

  it('names a test file for every threat', () => {
    const rows = text.split('\n').filter(line => /^\| \d+ +\|/.test(line));
    assert.ok(rows.length >= 10, `found ${rows.length} threats`);
    for (const row of rows) {
      assert.match(row, /\]\(\.\.\/test\/[^)]+\.test\.ts\)/, row);
    }
  });
});
