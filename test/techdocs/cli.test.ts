import { BlobServiceClient } from '@azure/storage-blob';
import assert from 'node:assert/strict';
import { execFileSync, spawnSync } from 'node:child_process';
import {
  existsSync,
  mkdirSync,
  mkdtempSync,
  rmSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { runStagedoor } from '../fixtures/cli';
import { RunningAzurite, startAzurite } from '../fixtures/azurite';

const repoRoot = resolve(__dirname, '..', '..');

const cli = (args: string[], env: NodeJS.ProcessEnv = {}, cwd?: string) =>
  runStagedoor(args, { env, cwd });

describe('stagedoor techdocs publish', function () {
  this.timeout(120_000);
  let azurite: RunningAzurite;
  let site: string;
  const container = 'cli-docs';

  before(async () => {
    azurite = await startAzurite();
    await BlobServiceClient.fromConnectionString(azurite.connectionString)
      .getContainerClient(container)
      .create();
    site = mkdtempSync(join(tmpdir(), 'stagedoor-cli-site-'));
    mkdirSync(join(site, 'guide'));
    writeFileSync(join(site, 'index.html'), '<h1>Home</h1>');
    writeFileSync(join(site, 'guide', 'index.html'), '<h1>Guide</h1>');
    writeFileSync(
      join(site, 'techdocs_metadata.json'),
      '{"site_name":"CLI"}\n',
    );
  });
  after(async () => {
    await azurite?.stop();
    rmSync(site, { recursive: true, force: true });
  });

  it('publishes a built site and reports counts as JSON, with the connection string from the environment', async () => {
    const args = [
      'techdocs',
      'publish',
      '--no-generate',
      '--site-dir',
      site,
      '--entity',
      'default/component/cli-demo',
      '--container',
      container,
      '--format',
      'json',
    ];
    const env = {
      STAGEDOOR_STORAGE_CONNECTION_STRING: azurite.connectionString,
    };
    const first = await cli(args, env);
    assert.equal(first.code, 0, first.stderr);
    const json = JSON.parse(first.stdout);
    assert.deepEqual(
      { uploaded: json.uploaded, skipped: json.skipped, deleted: json.deleted },
      { uploaded: 3, skipped: 0, deleted: 0 },
    );
    assert.equal(json.sites[0].entity, 'default/component/cli-demo');
    const again = JSON.parse((await cli(args, env)).stdout);
    assert.deepEqual(
      { uploaded: again.uploaded, skipped: again.skipped, bytes: again.bytes },
      { uploaded: 0, skipped: 3, bytes: 0 },
    );
    assert.ok(
      !first.stderr.includes(
        azurite.connectionString.split('AccountKey=')[1].split(';')[0],
      ),
    );
  });

  it('exits 2 with the usage on bad flags and 1 with the reason on failures', async () => {
    const usage = await cli(['techdocs', 'publish', '--container', container]);
    assert.equal(usage.code, 2);
    assert.match(usage.stderr, /--storage-account or --connection-string/);
    const failed = await cli([
      'techdocs',
      'publish',
      '--no-generate',
      '--site-dir',
      join(site, 'missing'),
      '--entity',
      'default/component/x',
      '--container',
      container,
      '--connection-string',
      azurite.connectionString,
    ]);
    assert.equal(failed.code, 1);
    assert.match(failed.stderr, /error: The site folder .* does not exist/);
  });

  it('works from the bundled stagedoor CLI', function () {
    const bundle = join(repoRoot, 'cli', 'dist', 'cli.js');
    if (!existsSync(bundle))
      execFileSync(process.execPath, [join(repoRoot, 'scripts', 'build.mjs')], {
        stdio: 'inherit',
      });
    const run = spawnSync(
      process.execPath,
      [
        bundle,
        'techdocs',
        'publish',
        '--no-generate',
        '--site-dir',
        site,
        '--entity',
        'default/component/bundled',
        '--container',
        container,
        '--connection-string',
        azurite.connectionString,
        '--format',
        'json',
      ],
      { encoding: 'utf8', timeout: 60_000 },
    );
    assert.equal(run.status, 0, run.stderr);
    assert.equal(JSON.parse(run.stdout).uploaded, 3);
  });
});
