import { strict as assert } from 'node:assert';
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';
import { parseAllDocuments } from 'yaml';
import { Problem, validateCatalogFiles } from '@stagedoor/common';
import { CatalogUnderTest, startCatalog } from './catalogBackend';

const CORPUS = '/work/shared/corpus/public-catalog-files';
const OWN = join(__dirname, '..', '..', 'fixtures', 'catalog');

/**
 * Rules where the engine is stricter than the catalog on purpose (documented in the README):
 * they make a document invalid for the engine and never for a single validate-entity call.
 */
const STRICTER = new Set([
  'yaml/non-string-key',
  'yaml/too-deep',
  'entity/duplicate',
  'file/too-large',
  'file/binary',
  'file/encoding',
]);

function yamlFiles(dir: string): string[] {
  return readdirSync(dir)
    .flatMap(name => {
      const p = join(dir, name);
      return statSync(p).isDirectory()
        ? yamlFiles(p)
        : /\.ya?ml$/.test(name)
          ? [p]
          : [];
    })
    .sort();
}

/** Splits a file into the source text of each YAML document, the way `yaml` separates them. */
function documentsOf(text: string): string[] {
  const docs = parseAllDocuments(text);
  if (!Array.isArray(docs)) return [];
  let start = 0;
  return docs.map((doc, i) => {
    const end = i === docs.length - 1 ? text.length : doc.range[2];
    const chunk = text.slice(start, end);
    start = end;
    return chunk;
  });
}

function engineVerdict(
  path: string,
  text: string,
): { ok: boolean; problems: Problem[] } {
  const { problems } = validateCatalogFiles([{ path, content: text }]);
  return {
    ok: !problems.some(p => p.severity === 'error' && !STRICTER.has(p.rule)),
    problems,
  };
}

describe('the engine and a real catalog backend', function () {
  this.timeout(600_000);
  let catalog: CatalogUnderTest;
  before(async () => {
    catalog = await startCatalog();
  });
  after(async () => {
    await catalog?.stop();
  });

  for (const [name, dir] of [
    ['our own corpus of good and bad documents', OWN],
    ['the public corpus of real-world catalog files', CORPUS],
  ] as const) {
    it(`agree on the verdict of every document in ${name}`, async () => {
      const disagreements: string[] = [];
      let documents = 0;
      for (const file of yamlFiles(dir)) {
        const path = relative(dir, file);
        const text = readFileSync(file, 'utf8');
        for (const [i, chunk] of documentsOf(text).entries()) {
          const catalogSays = await catalog.verdicts(path, chunk);
          if (catalogSays.length === 0) continue; // an empty document: no entity for either
          documents++;
          const catalogOk = catalogSays.every(v => v.ok);
          // Our own fixtures say in their folder what the catalog should answer.
          const expected = path.startsWith('valid/')
            ? true
            : path.startsWith('invalid/')
              ? false
              : undefined;
          if (expected !== undefined && expected !== catalogOk) {
            disagreements.push(
              `${path} document ${i + 1}: expected the catalog to ${expected ? 'accept' : 'reject'} it, but it ${catalogOk ? 'accepts' : 'rejects'} it (${catalogSays.map(v => v.detail).join(' | ')})`,
            );
          }
          const engine = engineVerdict(path, chunk);
          if (engine.ok !== catalogOk) {
            disagreements.push(
              `${path} document ${i + 1}: catalog ${catalogOk ? 'accepts' : 'rejects'} (${catalogSays
                .map(v => v.detail)
                .join(
                  ' | ',
                )}), engine ${engine.ok ? 'accepts' : 'rejects'} (${engine.problems
                .map(p => `${p.rule}: ${p.message}`)
                .join(' | ')})`,
            );
          }
        }
      }
      assert.ok(documents > 0, `no documents found in ${dir}`);
      assert.deepEqual(
        disagreements,
        [],
        `${disagreements.length} of ${documents} documents disagree`,
      );
    });
  }
});
