import { strict as assert } from 'node:assert';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import knexFactory from 'knex';
import { BackendApp, startBackendApp } from '../fixtures/backendApp';

/** The journal mode stored in a SQLite file, read by a connection of our own. */
async function journalMode(file: string): Promise<string> {
  const knex = knexFactory({
    client: 'better-sqlite3',
    connection: {
      filename: file,
      options: { readonly: true },
    },
    useNullAsDefault: true,
  });
  try {
    const rows: { journal_mode: string }[] = await knex.raw(
      'PRAGMA journal_mode',
    );
    return rows[0].journal_mode;
  } finally {
    await knex.destroy();
  }
}

describe("the baseline backend's SQLite journal", function () {
  this.timeout(240_000);
  const directory = mkdtempSync(join(tmpdir(), 'stagedoor-wal-'));
  const catalogFile = join(directory, 'catalog.sqlite');
  let app: BackendApp | undefined;
  afterEach(async () => {
    await app?.stop();
    app = undefined;
  });
  after(() => rmSync(directory, { recursive: true, force: true }));

  const start = (config: Record<string, unknown> = {}) =>
    startBackendApp({
      timeoutMs: 180_000,
      config: {
        backend: { database: { connection: { directory } } },
        ...config,
      },
    });

  it("puts the catalog's database file in WAL mode at start-up", async () => {
    app = await start();
    assert.equal(await journalMode(catalogFile), 'wal');
    // The catalog has written through the log (the readiness gate waited for its entities).
    assert.ok(
      existsSync(`${catalogFile}-wal`),
      'no -wal file beside catalog.sqlite',
    );
  });

  it('keeps the rollback journal with stagedoor.sqliteJournalMode: delete', async () => {
    // The same file, WAL from the first start: the setting switches it back.
    assert.equal(await journalMode(catalogFile), 'wal');
    app = await start({ stagedoor: { sqliteJournalMode: 'delete' } });
    assert.equal(await journalMode(catalogFile), 'delete');
  });
});
